#!/usr/bin/env node
// A stand-in for `arbiter serve` that speaks the daemon <-> playground contract
// (wt/briefs/contracts.md) with canned answers, for working on the page without the C++
// daemon and for checking the browser test itself (`node playground_test.js --mock`).
// It does not evaluate policies: it allows `deploy` by `alice` and reports a syntax error
// at any character the language does not have.
//   node mock_daemon.js [--port N] [--playground-dir DIR]
'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');

const EXAMPLE_POLICY = `package ai.model_deployment;

@control("EU AI Act Art. 9")
permit owner_team_deploys {
  when action == Action::"deploy"
    && resource is Model
    && subject in resource.owner_team
  reason "the owning team may deploy its own models"
}

@control("EU AI Act Art. 14")
forbid high_risk_needs_approval {
  when action == Action::"deploy" && resource.risk_tier == "high"
  unless any e in context.evidence : e.kind == "approval" && e.role == "risk-officer"
  reason "high-risk models need a named risk-officer approval"
  obligation notify { channel: "risk-team", model: resource.name }
}
`;
const EXAMPLE_ENTITIES = JSON.stringify([
  { uid: { type: 'User', id: 'alice' }, attrs: {}, parents: [{ type: 'Team', id: 'fraud' }] },
  { uid: { type: 'Team', id: 'fraud' }, attrs: {}, parents: [] },
  { uid: { type: 'Model', id: 'fraud-v3' }, attrs: { name: 'fraud-v3', risk_tier: 'low', owner_team: { __entity: { type: 'Team', id: 'fraud' } } }, parents: [] },
], null, 2) + '\n';
const EXAMPLE_REQUEST = JSON.stringify({
  subject: { type: 'User', id: 'alice' },
  action: { name: 'deploy' },
  resource: { type: 'Model', id: 'fraud-v3' },
  context: { evidence: [] },
}, null, 2) + '\n';

// With --stdlib DIR: the real packs' texts (policies concatenated), for looking at the page
// with real content; the answers stay canned.
let stdlibDir = '';
function examples() {
  if (stdlibDir) {
    return fs.readdirSync(stdlibDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => {
      const dir = path.join(stdlibDir, d.name);
      const files = fs.readdirSync(dir).filter((f) => f.endsWith('.arbiter') && !f.endsWith('_test.arbiter')).sort();
      return {
        name: d.name,
        policy: files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n'),
        entities: fs.readFileSync(path.join(dir, 'entities.json'), 'utf8'),
        request: fs.readFileSync(path.join(dir, 'playground-request.json'), 'utf8'),
      };
    });
  }
  return [
    { name: 'ai-model-deployment', policy: EXAMPLE_POLICY, entities: EXAMPLE_ENTITIES, request: EXAMPLE_REQUEST },
    { name: 'tool-use', policy: 'package ai.tools;\n\npermit read_only {\n  when action == Action::"read"\n}\n', entities: '[]\n', request: EXAMPLE_REQUEST.replace('deploy', 'read') },
  ];
}

// The first character outside strings and comments that the language has no use for.
function syntaxError(policy) {
  const lines = policy.split('\n');
  let inBlock = false;
  for (let l = 0; l < lines.length; l++) {
    const text = lines[l];
    for (let c = 0; c < text.length; c++) {
      if (inBlock) { if (text.startsWith('*/', c)) { inBlock = false; c++; } continue; }
      if (text.startsWith('//', c)) break;
      if (text.startsWith('/*', c)) { inBlock = true; c++; continue; }
      if (text[c] === '"') { c++; while (c < text.length && text[c] !== '"') c += text[c] === '\\' ? 2 : 1; continue; }
      if ('?#$%^~`'.includes(text[c])) {
        const column = Buffer.byteLength(text.slice(0, c)) + 1;  // columns count UTF-8 bytes
        return { path: 'playground.arbiter', line: l + 1, column, end_line: l + 1, end_column: column + 1,
          severity: 'error', code: 'E0001', message: `unexpected character '${text[c]}'` };
      }
    }
  }
  return null;
}

let seq = 0;
function evaluate(body) {
  const out = { ok: true, diagnostics: [], decision: null, disassembly: null, receipt: null, input_errors: [] };
  const diag = syntaxError(String(body.policy || ''));
  if (diag) { out.ok = false; out.diagnostics.push(diag); return out; }
  let request = null;
  for (const where of ['entities', 'request']) {
    try {
      const v = JSON.parse(String(body[where] || ''));
      if (where === 'request') request = v;
    } catch (e) {
      out.input_errors.push({ where, message: `${where}: ${e.message}` });
    }
  }
  out.disassembly = 'rule ai.model_deployment.owner_team_deploys (permit)\n  0000  LOAD_ACTION\n  0001  PUSH_ENTITY  Action::"deploy"\n  0002  EQ\n  0003  JUMP_IF_FALSE 0009\n  ...\n';
  if (out.input_errors.length) return out;
  const allow = request && request.action && request.action.name === 'deploy' && request.subject && request.subject.id === 'alice';
  out.decision = {
    decision: allow ? 'allow' : 'deny',
    reasons: allow ? [{ rule: 'ai.model_deployment.owner_team_deploys', message: 'the owning team may deploy its own models' }] : [],
    obligations: allow ? [
      { name: 'notify', rule: 'ai.model_deployment.owner_team_deploys', advice: false, payload: { channel: 'risk-team', model: 'fraud-v3' } },
      { name: 'log_reviewer', rule: 'ai.model_deployment.owner_team_deploys', advice: true, payload: null },
    ] : [],
    errors: allow ? [] : [{ rule: 'ai.model_deployment.high_risk_needs_approval', message: 'attribute `risk_tier` not found on Model::"fraud-v3"' }],
    bundle: 'sha256:' + '0'.repeat(64),
    explain: [
      { rule: 'ai.model_deployment.owner_team_deploys', effect: 'permit', outcome: allow ? 'matched' : 'not_matched',
        detail: allow ? '' : 'subject in resource.owner_team is false', file: 'playground.arbiter', line: 4 },
      { rule: 'ai.model_deployment.high_risk_needs_approval', effect: 'forbid', outcome: 'not_matched',
        detail: 'resource.risk_tier == "high" is false', file: 'playground.arbiter', line: 12 },
    ],
  };
  seq += 1;
  out.receipt = { seq, entry_hash: 'ab'.repeat(32), decision_id: `d-${seq}` };
  return out;
}

function serveFile(res, dir, rel) {
  const file = path.resolve(dir, rel);
  if (!file.startsWith(path.resolve(dir) + path.sep)) { res.writeHead(404); return res.end(); }
  fs.readFile(file, (err, data) => {
    if (err) { res.writeHead(404); return res.end('not found'); }
    const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };
    res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
    res.end(data);
  });
}

function start(port, playgroundDir) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const json = (code, v) => { res.writeHead(code, { 'content-type': 'application/json' }); res.end(JSON.stringify(v)); };
    const text = (code, t) => { res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8' }); res.end(t); };
    if (url.pathname === '/health') return text(200, 'ok\n');
    if (url.pathname === '/playground') return serveFile(res, playgroundDir, 'index.html');
    if (url.pathname.startsWith('/playground/')) return serveFile(res, playgroundDir, url.pathname.slice('/playground/'.length));
    if (url.pathname === '/v1/playground/examples') return json(200, examples());
    if (url.pathname === '/v1/playground/evaluate' && req.method === 'POST') {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        try { json(200, evaluate(JSON.parse(body))); } catch (e) { json(400, { error: e.message }); }
      });
      return undefined;
    }
    if (url.pathname === '/v1/playground/ledger/checkpoint') {
      return text(200, `arbiter.playground.scratch\n${seq}\n${Buffer.alloc(32, seq).toString('base64')}\n\n\u2014 arbiter.playground.scratch AAAAAQ==\n`);
    }
    if (url.pathname === '/v1/playground/ledger/proof') {
      const n = Number(url.searchParams.get('seq'));
      if (!(n >= 1 && n <= seq)) return text(404, 'no such entry\n');
      return text(200, `c2sp.org/tlog-proof@v1\nindex ${n - 1}\n${Buffer.alloc(32, 7).toString('base64')}\n\narbiter.playground.scratch\n${seq}\n${Buffer.alloc(32, seq).toString('base64')}\n`);
    }
    return text(404, 'not found\n');
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

module.exports = { start };

if (require.main === module) {
  const args = process.argv.slice(2);
  const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
  const dir = opt('--playground-dir', path.resolve(__dirname, '../../playground'));
  stdlibDir = opt('--stdlib', '');
  start(Number(opt('--port', '8190')), dir).then((s) => console.log(`mock daemon on http://127.0.0.1:${s.address().port}/playground`));
}
