// Checks the scratch ledger in the page itself, with nothing but WebCrypto (SHA-256, Ed25519)
// and the formats of spec/ledger-format.md: it trusts no hash, root or verdict from the
// server, only the entries' bytes, the signed checkpoint and the public key it is given.
//
//   ArbiterVerify.verifyLedger({size, checkpoint, public_key, entries: [{seq, raw, proof}]})
//     -> {ok, summary, problems: [text], entries, proofs, keyName}
//
// It recomputes every entry's hash (RFC 6962 leaf: SHA-256(0x00 || bytes)), checks that each
// entry names the previous one's hash (`prev`; 64 zeros for entry 0) and its own `seq`,
// recomputes the Merkle root of the checkpoint's size and compares it with the checkpoint's,
// verifies the checkpoint's Ed25519 signature (C2SP signed note) by the key shown, and checks
// each entry's inclusion proof (c2sp.org/tlog-proof, RFC 9162 2.1.3.2) against that root.
// `raw` is the entry's exact bytes as a string (entries are UTF-8 JSON): encoded back to
// UTF-8 it is the hashed byte string.
'use strict';
(function (global) {
  const encoder = new TextEncoder();
  const MAX_PROBLEMS = 20;  // listed in full; all are counted

  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  }

  function concat(parts) {
    let n = 0;
    for (const p of parts) n += p.length;
    const out = new Uint8Array(n);
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  }

  function hex(bytes) {
    let s = '';
    for (const b of bytes) s += b.toString(16).padStart(2, '0');
    return s;
  }

  function equal(a, b) {
    if (!a || !b || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  // Standard base64 with padding (RFC 4648), or null.
  function fromBase64(text) {
    if (typeof text !== 'string' || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
    const bin = atob(text);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  const leafHash = (bytes) => sha256(concat([Uint8Array.of(0), bytes]));
  const nodeHash = (left, right) => sha256(concat([Uint8Array.of(1), left, right]));

  // RFC 6962 2.1: the root of leaves[lo, hi).
  async function merkleRoot(leaves, lo, hi) {
    const n = hi - lo;
    if (n === 0) return sha256(new Uint8Array(0));
    if (n === 1) return leaves[lo];
    let k = 1;
    while (k * 2 < n) k *= 2;  // the largest power of two smaller than n
    return nodeHash(await merkleRoot(leaves, lo, lo + k), await merkleRoot(leaves, lo + k, hi));
  }

  // RFC 9162 2.1.3.2: does `path` lead from leaf `index` of a tree of `size` to `root`?
  async function inclusionHolds(index, size, leaf, path, root) {
    if (index >= size) return false;
    let fn = index;
    let sn = size - 1;
    let r = leaf;
    for (const p of path) {
      if (sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(p, r);
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
        }
      } else {
        r = await nodeHash(r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 && equal(r, root);
  }

  // A signed-note verifier key: "<name>+<8 hex key id>+<base64(0x01 || 32-byte public key)>".
  // Names hold no '+', but base64 may: only the first two '+' separate.
  async function parseVerifierKey(text) {
    const m = /^([^+]*)\+([^+]*)\+(.*)$/s.exec(String(text || '').trim());
    const parts = m ? m.slice(1) : [];
    if (parts.length !== 3 || !parts[0] || !/^[0-9a-f]{8}$/.test(parts[1])) {
      throw new Error('the public key is not a signed-note verifier key (name+keyid+key)');
    }
    const bytes = fromBase64(parts[2]);
    if (!bytes || bytes.length !== 33 || bytes[0] !== 1) {
      throw new Error('the public key is not an Ed25519 key (type 0x01 and 32 bytes)');
    }
    const name = parts[0];
    const publicKey = bytes.slice(1);
    const id = (await sha256(concat([encoder.encode(name), Uint8Array.of(0x0a, 0x01), publicKey]))).slice(0, 4);
    if (hex(id) !== parts[1]) throw new Error(`the public key's id ${parts[1]} is not the one its name and key give (${hex(id)})`);
    return { name, id, publicKey };
  }

  // A signed note: {text (ending in \n), signatures: [{name, keyId, signature}]}, or throws.
  function parseSignedNote(note) {
    const cut = note.indexOf('\n\n');
    if (cut < 0) throw new Error('the checkpoint is not a signed note (no blank line before its signatures)');
    const text = note.slice(0, cut + 1);
    const signatures = [];
    for (const line of note.slice(cut + 2).split('\n')) {
      if (line === '') continue;
      const m = /^\u2014 (\S+) (\S+)$/.exec(line);
      const bytes = m && fromBase64(m[2]);
      if (!bytes || bytes.length < 5) throw new Error(`the checkpoint has a malformed signature line: ${line.slice(0, 80)}`);
      signatures.push({ name: m[1], keyId: bytes.slice(0, 4), signature: bytes.slice(4) });
    }
    return { text, signatures };
  }

  // C2SP tlog-checkpoint body: origin, tree size, base64 root (then extension lines).
  function parseCheckpointBody(text) {
    const lines = text.split('\n');
    const root = lines.length >= 4 ? fromBase64(lines[2]) : null;
    if (!root || root.length !== 32 || !/^(0|[1-9][0-9]*)$/.test(lines[1])) {
      throw new Error('the checkpoint does not hold an origin, a tree size and a 32-byte root hash');
    }
    return { origin: lines[0], size: Number(lines[1]), root };
  }

  async function verifySignature(note, key) {
    const mine = note.signatures.filter((s) => s.name === key.name && equal(s.keyId, key.id));
    if (mine.length === 0) return `the checkpoint carries no signature by the key shown (${key.name})`;
    let cryptoKey;
    try {
      cryptoKey = await crypto.subtle.importKey('raw', key.publicKey, { name: 'Ed25519' }, false, ['verify']);
    } catch (e) {
      return 'this browser cannot check Ed25519 signatures (' + e.message + ')';
    }
    for (const s of mine) {
      const good = s.signature.length === 64 &&
        await crypto.subtle.verify({ name: 'Ed25519' }, cryptoKey, s.signature, encoder.encode(note.text));
      if (!good) return `the checkpoint's signature by ${key.name} does not verify: the checkpoint is not what that key signed`;
    }
    return '';
  }

  // c2sp.org/tlog-proof@v1 text: {index, path: [hash], checkpoint: note text}, or throws.
  function parseProof(text) {
    const lines = String(text || '').split('\n');
    if (lines[0] !== 'c2sp.org/tlog-proof@v1') throw new Error('its proof is not a c2sp.org/tlog-proof@v1 proof');
    let i = 1;
    if ((lines[i] || '').startsWith('extra ')) i++;
    const m = /^index (0|[1-9][0-9]*)$/.exec(lines[i] || '');
    if (!m) throw new Error('its proof has no index line');
    const path = [];
    for (i++; i < lines.length && lines[i] !== ''; i++) {
      const h = fromBase64(lines[i]);
      if (!h || h.length !== 32) throw new Error(`its proof's hash line ${i + 1} is not a base64 SHA-256 hash`);
      path.push(h);
    }
    if (i >= lines.length) throw new Error('its proof has no checkpoint');
    return { index: Number(m[1]), path, checkpoint: lines.slice(i + 1).join('\n') };
  }

  async function verifyLedger(data) {
    // Problems are listed by where they are: the checkpoint first, then by entry (an entry's
    // own problems before the chain break they cause in the next one), then the root.
    const found = [];
    const fail = (text, order) => found.push({ text, order: order ?? -1, n: found.length });
    const result = (extra) => {
      found.sort((a, b) => a.order - b.order || a.n - b.n);
      const problems = found.slice(0, MAX_PROBLEMS).map((p) => p.text);
      const more = found.length - 1;
      return Object.assign({
        ok: false, problems, problemCount: found.length, entries: 0, proofs: 0, keyName: '',
        summary: 'Not valid: ' + (problems[0] || 'nothing to check') +
          (more > 0 ? ` (and ${more} more problem${more === 1 ? '' : 's'})` : ''),
      }, extra || {});
    };

    if (!global.crypto || !crypto.subtle) {
      fail('this page cannot use WebCrypto (it needs a secure context: https or localhost)');
      return result();
    }
    let key, note, body;
    try {
      key = await parseVerifierKey(data.public_key);
      note = parseSignedNote(String(data.checkpoint || ''));
      body = parseCheckpointBody(note.text);
    } catch (e) {
      fail(e.message);
      return result();
    }
    const sigProblem = await verifySignature(note, key);
    if (sigProblem) fail(sigProblem);

    const entries = Array.isArray(data.entries) ? data.entries : [];
    if (body.size !== entries.length) {
      fail(`the checkpoint covers ${body.size} entries but ${entries.length} were received`);
    }
    // Entries: each hash, its seq, its link to the one before.
    const leaves = [];
    for (let i = 0; i < entries.length; i++) {
      const bytes = encoder.encode(String(entries[i].raw ?? ''));
      leaves.push(await leafHash(bytes));
      let entry = null;
      try { entry = JSON.parse(entries[i].raw); } catch (e) { /* reported below */ }
      if (!entry || typeof entry !== 'object') {
        fail(`entry ${i}: it is not a JSON object`, i + 0.5);
        continue;
      }
      if (entry.seq !== i || entries[i].seq !== i) fail(`entry ${i}: it says it is entry ${entry.seq}`, i + 0.5);
      const want = i === 0 ? '0'.repeat(64) : hex(leaves[i - 1]);
      if (entry.prev !== want) {
        fail(i === 0 ? 'entry 0: its previous hash is not 64 zeros'
          : `entry ${i}: the chain is broken: it does not name entry ${i - 1}'s hash as the previous one`, i + 0.5);
      }
    }
    // The tree: the root of all entries must be the signed one.
    const root = await merkleRoot(leaves, 0, leaves.length);
    const rootMatches = leaves.length === body.size && equal(root, body.root);
    if (!rootMatches) fail(`the Merkle root of the ${leaves.length} entries received does not match the checkpoint's root`, Infinity);
    // Each inclusion proof: from the entry's own hash to the signed root.
    let proofs = 0;
    for (let i = 0; i < entries.length; i++) {
      try {
        const proof = parseProof(entries[i].proof);
        if (proof.checkpoint !== data.checkpoint) throw new Error('its proof leads to another checkpoint');
        if (proof.index !== i) throw new Error(`its proof is for entry ${proof.index}`);
        if (!await inclusionHolds(i, body.size, leaves[i], proof.path, body.root)) {
          throw new Error('its hash does not match the checkpoint (its inclusion proof fails)');
        }
        proofs++;
      } catch (e) {
        fail(`entry ${i}: ${e.message}`, i);
      }
    }
    const checked = { entries: entries.length, proofs, keyName: key.name };
    if (found.length > 0) return result(checked);
    const n = entries.length;
    return Object.assign(checked, {
      ok: true, problems: [], problemCount: 0,
      summary: `Valid: ${n} entr${n === 1 ? 'y' : 'ies'}, chain intact, checkpoint signed by ${key.name}, ` +
        `${proofs} proof${proofs === 1 ? '' : 's'} checked`,
    });
  }

  global.ArbiterVerify = { verifyLedger, parseVerifierKey };
})(window);
