#!/usr/bin/env node
// Unit test of playground/verify.js (the page's Verify) in Node, whose WebCrypto has the same
// SHA-256 and Ed25519 as the browser's. The ledgers here are made by hand from
// spec/ledger-format.md (entries, RFC 6962 leaf and node hashes, a C2SP signed checkpoint,
// tlog proofs worked out for trees of 1, 2 and 3 entries), signed with keys made here by
// Node's own Ed25519, so the verifier is checked against the format, not against itself.
// Each key's base64 holds a '+' (the separator of verifier key text) on purpose.
//
//   node tests/playground/verify_test.js [--source DIR]
'use strict';
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const nodeCrypto = require('crypto');

let source = path.resolve(__dirname, '../..');
for (let i = 2; i < process.argv.length; i++) {
  if (process.argv[i] === '--source') source = path.resolve(process.argv[++i]);
}

let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  if (ok) {
    passed++;
    console.log(`ok - ${name}`);
  } else {
    failed++;
    console.log(`not ok - ${name}${detail ? `\n    ${String(detail).replace(/\n/g, '\n    ')}` : ''}`);
  }
}

// verify.js as the page loads it: a script that sets window.ArbiterVerify.
function loadVerifier() {
  const sandbox = { TextEncoder, atob, crypto: globalThis.crypto };
  sandbox.window = sandbox;
  vm.createContext(sandbox);
  vm.runInContext(fs.readFileSync(path.join(source, 'playground', 'verify.js'), 'utf8'), sandbox,
    { filename: 'verify.js' });
  return sandbox.ArbiterVerify;
}

const sha256 = (...parts) => nodeCrypto.createHash('sha256').update(Buffer.concat(parts)).digest();
const leafHash = (entry) => sha256(Buffer.from([0]), Buffer.from(entry, 'utf8'));
const nodeHash = (l, r) => sha256(Buffer.from([1]), l, r);
const b64 = (bytes) => Buffer.from(bytes).toString('base64');

// An Ed25519 key whose verifier text's base64 holds a '+'.
function makeKey(name) {
  for (;;) {
    const { publicKey, privateKey } = nodeCrypto.generateKeyPairSync('ed25519');
    const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');
    const keyB64 = b64(Buffer.concat([Buffer.from([1]), raw]));
    if (!keyB64.includes('+')) continue;
    const id = sha256(Buffer.from(name + '\n'), Buffer.from([1]), raw).subarray(0, 4);
    return { name, id, privateKey, text: `${name}+${id.toString('hex')}+${keyB64}` };
  }
}

function signNote(text, key) {
  const signature = nodeCrypto.sign(null, Buffer.from(text), key.privateKey);
  return `${text}\n\u2014 ${key.name} ${b64(Buffer.concat([key.id, signature]))}\n`;
}

function entryText(seq, prev, payload) {
  return `{"kind":"data","payload":${payload},"prev":"${prev}","seq":${seq},` +
    `"time":"2026-12-08T00:00:0${seq}.000000Z","v":1}`;
}

// A ledger of `n` (1..3) entries as GET /v1/playground/ledger/entries answers it.
function makeLedger(n, key) {
  const raws = [];
  const leaves = [];
  for (let i = 0; i < n; i++) {
    const prev = i === 0 ? '0'.repeat(64) : leaves[i - 1].toString('hex');
    raws.push(entryText(i, prev, `{"entities":[],"n":${i}}`));
    leaves.push(leafHash(raws[i]));
  }
  // RFC 6962 roots and audit paths (leaf's sibling first), worked out for these sizes.
  let root;
  let paths;
  if (n === 1) {
    root = leaves[0];
    paths = [[]];
  } else if (n === 2) {
    root = nodeHash(leaves[0], leaves[1]);
    paths = [[leaves[1]], [leaves[0]]];
  } else {
    const left = nodeHash(leaves[0], leaves[1]);
    root = nodeHash(left, leaves[2]);
    paths = [[leaves[1], leaves[2]], [leaves[0], leaves[2]], [left]];
  }
  const checkpoint = signNote(`arbiter-playground\n${n}\n${b64(root)}\n`, key);
  const entries = raws.map((raw, i) => ({
    seq: i,
    raw,
    proof: `c2sp.org/tlog-proof@v1\nindex ${i}\n${paths[i].map((h) => b64(h) + '\n').join('')}\n${checkpoint}`,
  }));
  return { size: n, checkpoint, public_key: key.text, entries, next: null };
}

const clone = (x) => JSON.parse(JSON.stringify(x));
// Changes one character of `text` at `at` (to another base64 or digit character).
const flip = (text, at) => text.slice(0, at) + (text[at] === '1' ? '2' : '1') + text.slice(at + 1);

(async () => {
  const V = loadVerifier();
  const key = makeKey('arbiter-playground');
  check('the test key\'s verifier text has a + in its base64', key.text.split('+').length > 3, key.text);

  for (const n of [1, 2, 3]) {
    const r = await V.verifyLedger(makeLedger(n, key));
    const words = n === 1 ? '1 entry, chain intact, checkpoint signed by arbiter-playground, 1 proof checked'
      : `${n} entries, chain intact, checkpoint signed by arbiter-playground, ${n} proofs checked`;
    check(`a good ledger of ${n} entr${n === 1 ? 'y' : 'ies'} is valid`, r.ok === true && r.summary === `Valid: ${words}`,
      JSON.stringify(r));
  }

  const good = makeLedger(3, key);
  const expectFail = async (name, data, start, also) => {
    const r = await V.verifyLedger(data);
    check(name, r.ok === false && r.summary.startsWith(start) && !/^Valid/.test(r.summary) &&
      (!also || r.problems.some((p) => p.startsWith(also))), JSON.stringify(r, null, 1));
  };

  let bad = clone(good);
  bad.entries[1].raw = flip(bad.entries[1].raw, bad.entries[1].raw.lastIndexOf('"time":"') + 8);
  await expectFail('one byte of entry 1 changed: entry 1 is named', bad,
    'Not valid: entry 1: its hash does not match the checkpoint',
    'entry 2: the chain is broken: it does not name entry 1\'s hash');

  bad = clone(good);
  bad.entries[2].raw = bad.entries[2].raw.replace('"n":2', '"n":7');
  await expectFail('the last entry changed (no later entry to break the chain)', bad,
    'Not valid: entry 2: its hash does not match the checkpoint', 'the Merkle root of the 3 entries');

  bad = clone(good);
  const sigAt = bad.checkpoint.length - 10;
  bad.checkpoint = bad.checkpoint.slice(0, sigAt) + (bad.checkpoint[sigAt] === 'A' ? 'B' : 'A') + bad.checkpoint.slice(sigAt + 1);
  await expectFail('a changed signature does not verify', bad,
    'Not valid: the checkpoint\'s signature by arbiter-playground does not verify');

  bad = clone(good);
  bad.public_key = makeKey('arbiter-playground').text;
  await expectFail('another key shown: no signature by it', bad,
    'Not valid: the checkpoint carries no signature by the key shown (arbiter-playground)');

  bad = clone(good);
  bad.public_key = key.text.replace(/\+[0-9a-f]{8}\+/, '+00000000+');
  await expectFail('a key whose id does not match its name and key is refused', bad,
    'Not valid: the public key\'s id 00000000 is not the one');

  bad = clone(good);
  bad.entries.pop();
  await expectFail('an entry missing from the answer', bad, 'Not valid: the checkpoint covers 3 entries but 2 were received');

  bad = clone(good);
  [bad.entries[0].proof, bad.entries[1].proof] = [bad.entries[1].proof, bad.entries[0].proof];
  await expectFail('swapped proofs are refused', bad, 'Not valid: entry 0: its proof is for entry 1');

  bad = clone(good);
  bad.entries[2].raw = bad.entries[2].raw.replace(/"prev":"[0-9a-f]{64}"/, `"prev":"${'0'.repeat(64)}"`);
  await expectFail('a broken chain is reported at the entry', bad, 'Not valid: entry 2: its hash does not match',
    'entry 2: the chain is broken');

  bad = clone(good);
  bad.entries[0].raw = '{"kind":';
  await expectFail('an entry that is not JSON', bad, 'Not valid: entry 0: its hash does not match',
    'entry 0: it is not a JSON object');

  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
})().catch((e) => {
  console.log(`not ok - verify_test ran to the end\n    ${e.stack || e.message}`);
  process.exit(1);
});
