// An outside witness, written against Go's golang.org/x/mod/sumdb/note and sumdb/tlog (the
// code the Go checksum database's clients use), not against Arbiter's code: it checks that
// a consistency proof printed by `arbiter audit proof --consistency N` (or served by
// GET /v1/ledger/consistency) proves the new signed checkpoint extends the checkpoint the
// witness saved earlier.
//
//	witness -key LEDGER.pub -saved SAVED_CHECKPOINT -proof PROOF_FILE
//
// Exit 0: both notes are signed by the key, the proof's old size and root are the saved
// checkpoint's, and the RFC 6962 consistency proof verifies. Exit 1 with the reason otherwise.
package main

import (
	"bytes"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

func parseHash(text string) (tlog.Hash, error) {
	var h tlog.Hash
	b, err := base64.StdEncoding.DecodeString(text)
	if err != nil || len(b) != len(h) {
		return h, fmt.Errorf("bad hash %q", text)
	}
	copy(h[:], b)
	return h, nil
}

// openCheckpoint verifies a signed note with the verifier and parses its C2SP checkpoint body.
func openCheckpoint(msg []byte, verifier note.Verifier) (checkpoint, error) {
	var cp checkpoint
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		return cp, fmt.Errorf("note: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		return cp, errors.New("checkpoint body has fewer than three lines")
	}
	cp.origin = lines[0]
	if cp.size, err = strconv.ParseInt(lines[1], 10, 64); err != nil {
		return cp, fmt.Errorf("checkpoint size %q", lines[1])
	}
	if cp.root, err = parseHash(lines[2]); err != nil {
		return cp, err
	}
	return cp, nil
}

func run(keyFile, savedFile, proofFile string) error {
	key, err := os.ReadFile(keyFile)
	if err != nil {
		return err
	}
	verifier, err := note.NewVerifier(strings.TrimSpace(string(key)))
	if err != nil {
		return fmt.Errorf("public key: %v", err)
	}
	savedMsg, err := os.ReadFile(savedFile)
	if err != nil {
		return err
	}
	saved, err := openCheckpoint(savedMsg, verifier)
	if err != nil {
		return fmt.Errorf("saved checkpoint: %v", err)
	}
	proofText, err := os.ReadFile(proofFile)
	if err != nil {
		return err
	}
	// header, "old SIZE ROOT", hashes, an empty line, then the new checkpoint note verbatim.
	head, newMsg, found := bytes.Cut(proofText, []byte("\n\n"))
	if !found {
		return errors.New("proof: no empty line before the checkpoint")
	}
	lines := strings.Split(string(head), "\n")
	if len(lines) < 2 || lines[0] != "arbiter.dev/tlog-consistency@v1" {
		return errors.New("proof: not an arbiter.dev/tlog-consistency@v1 proof")
	}
	old := strings.Fields(lines[1])
	if len(old) != 3 || old[0] != "old" {
		return fmt.Errorf("proof: bad old line %q", lines[1])
	}
	oldSize, err := strconv.ParseInt(old[1], 10, 64)
	if err != nil {
		return fmt.Errorf("proof: old size %q", old[1])
	}
	oldRoot, err := parseHash(old[2])
	if err != nil {
		return err
	}
	var proof tlog.TreeProof
	for _, l := range lines[2:] {
		h, err := parseHash(l)
		if err != nil {
			return err
		}
		proof = append(proof, h)
	}
	latest, err := openCheckpoint(newMsg, verifier)
	if err != nil {
		return fmt.Errorf("new checkpoint: %v", err)
	}
	if latest.origin != saved.origin {
		return fmt.Errorf("origin %q is not the saved checkpoint's %q", latest.origin, saved.origin)
	}
	if oldSize != saved.size || oldRoot != saved.root {
		return fmt.Errorf("the proof starts from size %d with another root than the saved checkpoint (size %d)",
			oldSize, saved.size)
	}
	if err := tlog.CheckTree(proof, latest.size, latest.root, saved.size, saved.root); err != nil {
		return fmt.Errorf("size %d does not extend the saved size %d: %v", latest.size, saved.size, err)
	}
	fmt.Printf("ok: %s size %d extends the saved size %d\n", latest.origin, latest.size, saved.size)
	return nil
}

func main() {
	key := flag.String("key", "", "the ledger's public key file (a note verifier line)")
	saved := flag.String("saved", "", "the checkpoint the witness saved earlier (signed note)")
	proof := flag.String("proof", "", "the consistency proof from the saved size")
	flag.Parse()
	if *key == "" || *saved == "" || *proof == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*key, *saved, *proof); err != nil {
		fmt.Fprintln(os.Stderr, "witness:", err)
		os.Exit(1)
	}
}
