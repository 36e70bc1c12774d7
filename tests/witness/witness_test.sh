#!/usr/bin/env bash
# An outside witness checks Arbiter's checkpoints and consistency proofs with Go's sumdb code
# (tests/witness/witness.go): an appended-to ledger passes, a rewritten history fails.
#   witness_test.sh ARBITER SOURCE_DIR
set -euo pipefail
arbiter=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pack=$src/stdlib-policies/ai-model-deployment

# Debian's golang-go and golang-golang-x-mod-dev (scripts/bootstrap), in GOPATH mode: offline.
if ! command -v go >/dev/null || [ ! -d /usr/share/gocode/src/golang.org/x/mod/sumdb ]; then
  echo "skipped: needs golang-go and golang-golang-x-mod-dev (scripts/bootstrap installs them)"
  exit 77
fi
export GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=$work/gocache GOFLAGS=
go build -o "$work/witness" "$src/tests/witness/witness.go"

"$arbiter" keygen --name witness.example/ledger --out "$work/keys" >/dev/null
key=$work/keys/witness.example_ledger.key
pub=$work/keys/witness.example_ledger.pub
decide() {  # decide LEDGER: one recorded decision (the CLI signs a checkpoint as it closes)
  "$arbiter" eval -p "$pack" -d "$pack/entities.json" -i "$pack/playground-request.json" \
    --ledger "$1" --key "$key" >/dev/null 2>&1
}

for _ in 1 2 3; do decide "$work/ledger"; done
"$arbiter" audit checkpoint --ledger "$work/ledger" >"$work/saved"   # what the witness keeps
saved_size=$(sed -n 2p "$work/saved")
for _ in 1 2 3 4; do decide "$work/ledger"; done
"$arbiter" audit proof --ledger "$work/ledger" --consistency "$saved_size" >"$work/proof"
"$work/witness" -key "$pub" -saved "$work/saved" -proof "$work/proof"

# The same key, the same number of decisions, another history: the witness must refuse it.
for _ in 1 2 3 4 5 6 7; do decide "$work/forged"; done
"$arbiter" audit proof --ledger "$work/forged" --consistency "$saved_size" >"$work/forged-proof"
if "$work/witness" -key "$pub" -saved "$work/saved" -proof "$work/forged-proof" 2>"$work/err"; then
  echo "FAIL: the witness accepted a rewritten history" >&2
  exit 1
fi
grep -q "another root" "$work/err" || { cat "$work/err" >&2; exit 1; }
# A proof whose hashes were changed does not verify either.
# The first character of the first hash is changed, to A or, where it is A, to B (the old
# substitution left a line that began with A alone, about one run in 64).
sed -E '3s/^A/#/;3s/^[^#]/A/;3s/^#/B/' "$work/proof" >"$work/bad-proof"
if cmp -s "$work/proof" "$work/bad-proof"; then
  echo "FAIL: the damaged proof is the same as the proof" >&2
  exit 1
fi
if "$work/witness" -key "$pub" -saved "$work/saved" -proof "$work/bad-proof" 2>/dev/null; then
  echo "FAIL: the witness accepted a damaged proof" >&2
  exit 1
fi
echo "witness: ok (extension accepted, rewritten history and damaged proof refused)"
