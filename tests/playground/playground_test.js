#!/usr/bin/env node
// Browser test of the playground page, in Debian's headless Chromium driven by
// playwright-core (no browser download). It starts the real daemon on a free loopback port
// with a temporary ledger and the stdlib policies, then drives the page as a person would:
// pick an example, decide, edit the request, decide with Ctrl+Enter, share the link, break
// the policy and read the inline diagnostic, read the bytecode, open the ledger and fetch an
// inclusion proof, list and Verify the scratch ledger (and see tampered answers refused),
// run a what-if, record a review, reload and keep the receipt. What the page shows is compared with what the daemon's API answers for the
// same input (the oracle), so the test does not hard-code the stdlib packs' content.
// A screenshot of each step goes to the artifacts folder.
//
//   node playground_test.js --arbiter build/arbiter --source . --artifacts build/playground-artifacts
//
// Prints "ok"/"not ok" per check and a closing "N passed, N failed"; exits 1 on any failure.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
// Generous: ctest runs this beside other suites on a 2-core machine.
const STEP_TIMEOUT_MS = 30000;

function parseArgs(argv) {
  const args = { arbiter: '', source: path.resolve(__dirname, '../..'), artifacts: '' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--arbiter') args.arbiter = path.resolve(argv[++i]);
    else if (a === '--source') args.source = path.resolve(argv[++i]);
    else if (a === '--artifacts') args.artifacts = path.resolve(argv[++i]);
    else throw new Error(`unknown argument ${a}`);
  }
  if (!args.arbiter) throw new Error('give --arbiter PATH');
  if (!args.artifacts) args.artifacts = path.join(os.tmpdir(), 'playground-artifacts');
  return args;
}

// ---- results -------------------------------------------------------------------------------

let passed = 0;
let failed = 0;
const pageErrors = [];  // script errors seen on the page, printed with any failure
function check(name, ok, detail) {
  if (ok) {
    passed++;
    console.log(`ok - ${name}`);
  } else {
    failed++;
    console.log(`not ok - ${name}${detail ? `\n    ${String(detail).replace(/\n/g, '\n    ')}` : ''}`);
  }
  return ok;
}
function info(text) { console.log(`# ${text}`); }

function sameList(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

// ---- the server ------------------------------------------------------------------------------

async function waitForHealth(base, child, logFile) {
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) {
      throw new Error(`the daemon exited with ${child.exitCode} before it was ready:\n${tail(logFile)}`);
    }
    try {
      const r = await fetch(base + '/health');
      if (r.ok) return;
    } catch (e) { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the daemon did not answer /health within 30 s:\n${tail(logFile)}`);
}

function tail(file) {
  try { return fs.readFileSync(file, 'utf8').split('\n').slice(-25).join('\n'); } catch (e) { return '(no log)'; }
}

async function startServer(args) {
  // The daemon picks a free port itself (--listen 127.0.0.1:0) and writes it to --port-file:
  // no race with other tests for a port. Production policies: one stdlib pack (the
  // playground compiles its own); its examples: every pack.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arbiter-playground-test-'));
  const logFile = path.join(args.artifacts, 'daemon.log');
  const log = fs.openSync(logFile, 'w');
  const portFile = path.join(tmp, 'port');
  const daemonArgs = [
    'serve',
    '--listen', '127.0.0.1:0',
    '--port-file', portFile,
    '--policies', path.join(args.source, 'stdlib-policies', 'ai-model-deployment'),
    '--ledger', path.join(tmp, 'ledger'),
    '--playground-dir', path.join(args.source, 'playground'),
    '--stdlib-dir', path.join(args.source, 'stdlib-policies'),
    '--playground',  // off by default (issue 13); served on loopback
  ];
  info(`starting ${args.arbiter} ${daemonArgs.join(' ')}`);
  const child = spawn(args.arbiter, daemonArgs, { stdio: ['ignore', log, log], cwd: tmp });
  let spawnError = null;
  child.on('error', (e) => { spawnError = e; });
  const stop = async () => {
    if (!spawnError && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const exited = await Promise.race([
        new Promise((r) => child.once('exit', () => r(true))),
        new Promise((r) => setTimeout(() => r(false), 10000)),
      ]);
      if (!exited) {
        info('the daemon did not stop within 10 s of SIGTERM; killing it');
        child.kill('SIGKILL');
      }
    }
    fs.closeSync(log);
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 30000;
    let listen = '';
    while (!listen) {
      if (spawnError) throw new Error(`cannot start ${args.arbiter}: ${spawnError.message}`);
      if (child.exitCode !== null) throw new Error(`the daemon exited with ${child.exitCode}:\n${tail(logFile)}`);
      if (Date.now() > deadline) throw new Error(`the daemon wrote no port file within 30 s:\n${tail(logFile)}`);
      try {
        const text = fs.readFileSync(portFile, 'utf8').trim();
        if (/^[\d.]+:\d+$/.test(text)) listen = text;  // not half written
      } catch (e) { /* not yet */ }
      if (!listen) await new Promise((r) => setTimeout(r, 50));
    }
    const base = `http://${listen}`;
    await waitForHealth(base, child, logFile);
    return { base, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

// ---- the API oracle ------------------------------------------------------------------------

async function apiEvaluate(base, body) {
  const r = await fetch(base + '/v1/playground/evaluate', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`evaluate answered ${r.status}: ${await r.text()}`);
  return r.json();
}

// Every entry of the scratch ledger up to its latest checkpoint, following the pages.
async function apiEntries(base) {
  const first = await (await fetch(base + '/v1/playground/ledger/entries')).json();
  const all = { ...first, entries: [...first.entries] };
  for (let next = first.next; next !== null && next !== undefined;) {
    const page = await (await fetch(`${base}/v1/playground/ledger/entries?size=${first.size}&from=${next}`)).json();
    all.entries.push(...page.entries);
    next = page.next;
  }
  all.parsed = all.entries.map((e) => JSON.parse(e.raw));
  return all;
}

async function apiWhatIf(base, policy) {
  const r = await fetch(base + '/v1/playground/whatif', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ policy }),
  });
  if (!r.ok) throw new Error(`whatif answered ${r.status}: ${await r.text()}`);
  return r.json();
}

// Clicks Verify and returns what the page says once it has checked.
async function verifyShown(page) {
  const before = Number(await page.evaluate(() => document.body.dataset.verified || '0'));
  await page.click('#verify');
  await page.waitForFunction((n) => Number(document.body.dataset.verified || '0') > n, before,
    { timeout: STEP_TIMEOUT_MS });
  return page.evaluate(() => ({
    text: document.querySelector('#verify-result')?.textContent || '',
    ok: document.querySelector('#verify-result')?.dataset.ok || '',
  }));
}

// ---- page helpers --------------------------------------------------------------------------

async function editorValue(page, id) {
  return page.locator(`textarea[data-editor="${id}"]`).inputValue();
}

async function setEditor(page, id, text) {
  await page.locator(`textarea[data-editor="${id}"]`).fill(text);
}

async function decisionsShown(page) {
  return Number(await page.evaluate(() => document.body.dataset.decisions || '0'));
}

// Runs `action` (a click or a key press) and waits until the page has shown the answer.
async function decideWith(page, action) {
  const before = await decisionsShown(page);
  await action();
  await page.waitForFunction((n) => Number(document.body.dataset.decisions || '0') > n, before,
    { timeout: STEP_TIMEOUT_MS });
}

async function shownDecision(page) {
  return page.evaluate(() => {
    const head = document.querySelector('#panel-decision .decision-head');
    const reasons = [...document.querySelectorAll('#panel-decision .reason')].map((li) => ({
      rule: li.querySelector('.rule-id')?.textContent || '',
      message: li.querySelector('.reason-msg')?.textContent || '',
    }));
    return {
      decision: head?.dataset.decision || '',
      badge: head?.querySelector('.badge')?.textContent || '',
      reasons,
    };
  });
}

// Bounding boxes of the main regions must not overlap, must stay inside the viewport, and the
// page must not scroll sideways.
async function layoutProblems(page) {
  return page.evaluate(() => {
    const problems = [];
    const box = (sel) => {
      const n = document.querySelector(sel);
      if (!n) { problems.push(`${sel} missing`); return null; }
      const r = n.getBoundingClientRect();
      return { sel, left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height };
    };
    const regions = ['.topbar', '#pane-policy', '#pane-entities', '#pane-request', '.results'].map(box).filter(Boolean);
    const controls = ['.brand', '#examples', '#decide', '#share', '.toggle', '#status'].map(box).filter(Boolean);
    const overlap = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
    for (const group of [regions, controls]) {
      for (let i = 0; i < group.length; i++) {
        for (let j = i + 1; j < group.length; j++) {
          if (overlap(group[i], group[j])) problems.push(`${group[i].sel} overlaps ${group[j].sel}`);
        }
      }
    }
    for (const r of regions.concat(controls)) {
      if (r.left < 0 || r.right > innerWidth + 0.5) problems.push(`${r.sel} leaves the viewport sideways`);
      if (r.width < 40 || r.height < 14) problems.push(`${r.sel} is too small (${r.width}x${r.height})`);
    }
    for (const r of regions) {
      if (r.bottom > innerHeight + 0.5) problems.push(`${r.sel} ends below the window (${r.bottom} > ${innerHeight})`);
    }
    for (const sel of ['#pane-policy', '#pane-entities', '#pane-request']) {
      const r = box(sel + ' .editor');
      if (r && r.height < 150) problems.push(`${sel} editor is only ${r.height}px high`);
    }
    if (document.documentElement.scrollWidth > innerWidth) problems.push('the page scrolls sideways');
    return problems;
  });
}

// ---- the test ------------------------------------------------------------------------------

async function run(args) {
  let chromium;
  try {
    ({ chromium } = require('playwright-core'));
  } catch (e) {
    check('playwright-core is installed (scripts/bootstrap runs npm ci in tests/playground)', false, e.message);
    return;
  }
  if (!check(`Debian chromium is at ${CHROMIUM}`, fs.existsSync(CHROMIUM))) return;
  fs.mkdirSync(args.artifacts, { recursive: true });
  for (const f of fs.readdirSync(args.artifacts)) {
    if (f.endsWith('.png')) fs.rmSync(path.join(args.artifacts, f));
  }

  const server = await startServer(args);
  const base = server.base;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'arbiter-playground-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1366, height: 768 },
    });
    const foreign = [];
    // The page must work offline: any request to another origin is refused and counted.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(base + '/') || url.startsWith('data:')) return route.continue();
      foreign.push(url);
      return route.abort();
    });
    const page = context.pages()[0] || await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    page.on('pageerror', (e) => pageErrors.push(`page error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`); });
    let step = 0;
    const shot = async (name, p) => {
      step++;
      const file = path.join(args.artifacts, `${String(step).padStart(2, '0')}-${name}.png`);
      await (p || page).screenshot({ path: file });
      info(`screenshot ${file}`);
    };

    // 1. Load the page.
    const examplesResponse = await fetch(base + '/v1/playground/examples');
    const examples = examplesResponse.ok ? await examplesResponse.json() : [];
    check('GET /v1/playground/examples lists examples', Array.isArray(examples) && examples.length > 0,
      `status ${examplesResponse.status}`);
    {
      const packs = fs.readdirSync(path.join(args.source, 'stdlib-policies'), { withFileTypes: true })
        .filter((d) => d.isDirectory() &&
          fs.existsSync(path.join(args.source, 'stdlib-policies', d.name, 'playground-request.json')))
        .map((d) => d.name).sort();
      check('the examples are the stdlib packs', sameList(examples.map((e) => e.name).sort(), packs),
        `served ${JSON.stringify(examples.map((e) => e.name))}, packs ${JSON.stringify(packs)}`);
    }
    await page.goto(base + '/playground');
    await page.waitForSelector('body[data-ready="true"]');
    const timing = () => page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      return `HTML received ${Math.round(nav.responseEnd)} ms, DOM ready ${Math.round(nav.domContentLoadedEventEnd)} ms, ` +
        `examples loaded and shown ${Math.round(performance.now())} ms after navigation start`;
    });
    info(`first load (fresh browser) on loopback, reported, not asserted: ${await timing()}`);
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    info(`reload on loopback, reported, not asserted: ${await timing()}`);
    const options = await page.$$eval('#examples option', (os) => os.map((o) => o.value).filter(Boolean));
    check('the Examples menu lists every example the daemon serves',
      sameList(options, examples.map((e) => e.name)), `menu ${JSON.stringify(options)}`);
    await shot('loaded');

    // 2. Pick an example: a different one first, then the AI governance pack, so the choice
    //    really comes from the menu and not from the default.
    //    Every example must decide as the page shows it (a pack of several files is folded
    //    into one text: repeated package declarations commented out).
    const uncomment = (text) => text.replace(
      /^\/\/ (?=[ \t]*@[A-Za-z_]\w*[ \t]*$|[ \t]*(@[A-Za-z_]\w*[ \t]+)*package[ \t]+[\w.]+[ \t]*;[ \t]*$)/gm, '');
    const notCompiling = [];
    for (const e of examples) {
      await page.selectOption('#examples', e.name);
      const shown = await editorValue(page, 'policy');
      const answer = await apiEvaluate(base, { policy: shown, entities: await editorValue(page, 'entities'),
        request: await editorValue(page, 'request') });
      if (!answer.ok || !answer.decision || uncomment(shown) !== e.policy) {
        notCompiling.push(`${e.name}: ${JSON.stringify(answer.diagnostics || []).slice(0, 300)} ${JSON.stringify(answer.input_errors || [])}`);
      }
    }
    check('every example decides as the page shows it', notCompiling.length === 0, notCompiling.join('\n'));
    const example = examples.find((e) => e.name === 'ai-model-deployment') || examples[0];
    const other = examples.find((e) => e !== example);
    if (other) await page.selectOption('#examples', other.name);
    await page.selectOption('#examples', example.name);
    const shownPolicy = await editorValue(page, 'policy');
    check(`picking "${example.name}" loads its policy, entities and request`,
      uncomment(shownPolicy) === example.policy &&
      await editorValue(page, 'entities') === example.entities &&
      await editorValue(page, 'request') === example.request);

    // 3. Decide as given (the Decide button).
    const original = { policy: shownPolicy, entities: example.entities, request: example.request };
    const expected1 = await apiEvaluate(base, original);
    await decideWith(page, () => page.click('#decide'));
    const shown1 = await shownDecision(page);
    check('Decide shows the decision the daemon gives for the example',
      expected1.decision && shown1.decision === expected1.decision.decision &&
      shown1.badge.toLowerCase() === expected1.decision.decision,
      `shown ${JSON.stringify(shown1)}, expected ${JSON.stringify(expected1.decision)}`);
    check('Decide shows the reasons (rule and message) the daemon gives',
      expected1.decision && sameList(shown1.reasons, expected1.decision.reasons.map((r) => ({ rule: r.rule, message: r.message || '' }))),
      `shown ${JSON.stringify(shown1.reasons)}, expected ${JSON.stringify(expected1.decision && expected1.decision.reasons)}`);
    await shot('example-decided');

    // 4. Edit the request so the decision changes, and decide with Ctrl+Enter.
    const request = JSON.parse(example.request);
    const candidates = [];
    if (request.subject) candidates.push(['subject id', { ...request, subject: { ...request.subject, id: 'playground-test-stranger' } }]);
    if (request.action) candidates.push(['action name', { ...request, action: { ...request.action, name: 'playground-test-nothing' } }]);
    let edit = null;
    for (const [what, candidate] of candidates) {
      const text = JSON.stringify(candidate, null, 2) + '\n';
      const answer = await apiEvaluate(base, { ...original, request: text });
      if (answer.decision && expected1.decision && answer.decision.decision !== expected1.decision.decision) {
        edit = { what, text, answer };
        break;
      }
    }
    if (!edit && candidates.length) {
      const text = JSON.stringify(candidates[0][1], null, 2) + '\n';
      edit = { what: candidates[0][0], text, answer: await apiEvaluate(base, { ...original, request: text }) };
    }
    check('an edit of the request changes the daemon\'s decision', edit && edit.answer.decision &&
      edit.answer.decision.decision !== (expected1.decision && expected1.decision.decision));
    if (edit) {
      info(`edited the request's ${edit.what}`);
      await setEditor(page, 'request', edit.text);
      check('the results say they are stale after an edit', await page.isVisible('#stale'));
      await decideWith(page, async () => {
        await page.locator('textarea[data-editor="request"]').focus();
        await page.keyboard.press('Control+Enter');
      });
      const shown2 = await shownDecision(page);
      check('Ctrl+Enter decides the edited request and shows the new decision and reasons',
        edit.answer.decision && shown2.decision === edit.answer.decision.decision &&
        sameList(shown2.reasons, edit.answer.decision.reasons.map((r) => ({ rule: r.rule, message: r.message || '' }))),
        `shown ${JSON.stringify(shown2)}, expected ${JSON.stringify(edit.answer.decision)}`);
      check('at least one of the two decisions shows reasons', shown1.reasons.length + shown2.reasons.length > 0);
      await shot('request-edited-decided');
    }

    // 5. The explain trace, then the state in the URL: a new page from the link restores it.
    await page.click('#tab-explain');
    const explainText = await page.textContent('#panel-explain');
    const expectedExplain = edit ? edit.answer.decision.explain : expected1.decision.explain;
    check('the Explain tab shows the explain trace', expectedExplain !== undefined && expectedExplain !== null &&
      !(await page.$('#panel-explain .placeholder')) && explainText.trim().length > 0,
    `daemon's explain: ${JSON.stringify(expectedExplain)?.slice(0, 200)}`);
    await shot('explain');
    await page.waitForFunction(() => /[#&]tab=explain/.test(location.hash));
    await page.waitForTimeout(400);  // the hash is written 250 ms after the last edit
    const link = page.url();
    const shared = await context.newPage();
    await shared.goto(link);
    await shared.waitForSelector('body[data-ready="true"]');
    check('a shared link restores the policy, the entities, the edited request and the tab',
      await editorValue(shared, 'policy') === shownPolicy &&
      await editorValue(shared, 'entities') === example.entities &&
      await editorValue(shared, 'request') === (edit ? edit.text : example.request) &&
      await shared.getAttribute('#tab-explain', 'aria-selected') === 'true');
    await shared.close();

    // 6. A syntax error: the diagnostic is shown inline at its line and column.
    //    The broken rule goes after the last declaration, so that nothing before it changes.
    const policyLines = shownPolicy.replace(/\n+$/, '').split('\n');
    const badLine = policyLines.length + 2;  // 1-based line of the broken text
    //    A non-ASCII character before the error checks that the daemon's byte columns are
    //    mapped to characters.
    const brokenLineText = 'permit broken_rule { when resource.name == "café" && %%% }';
    const broken = policyLines.concat(['', brokenLineText, '']).join('\n');
    const expected3 = await apiEvaluate(base, { ...original, policy: broken });
    const diag = (expected3.diagnostics || []).find((d) => d.severity !== 'warning');
    check('the daemon rejects the broken policy with a diagnostic on the broken line',
      expected3.ok === false && diag && diag.line === badLine, JSON.stringify(expected3.diagnostics));
    await page.click('#tab-decision');
    await setEditor(page, 'policy', broken);
    await decideWith(page, () => page.click('#decide'));
    if (diag) {
      const inline = await page.evaluate((d) => {
        const gutter = document.querySelector(`#pane-policy .gutter-line[data-line="${d.line}"]`);
        const row = document.querySelectorAll('#pane-policy .hl-line')[d.line - 1];
        const mark = row && row.querySelector('.mark-error, .empty-mark');
        let column = 0;
        if (mark) {
          const range = document.createRange();
          range.setStart(row, 0);
          range.setEndBefore(mark);
          column = range.toString().length + 1;
        }
        const lens = row && row.querySelector('.lens');
        const problems = [...document.querySelectorAll('#pane-policy .problem')].map((p) => p.textContent);
        const lensBox = lens && lens.getBoundingClientRect();
        const pane = document.querySelector('#pane-policy .editor').getBoundingClientRect();
        return {
          gutterMarked: Boolean(gutter && gutter.classList.contains('mark-error')),
          column,
          lens: lens ? lens.textContent : '',
          lensVisible: Boolean(lensBox && lensBox.width > 40 && lensBox.left < pane.right && lensBox.right <= pane.right + 1 &&
            lensBox.top >= pane.top && lensBox.bottom <= pane.bottom + 1),
          problems,
          badge: document.querySelector('#panel-decision .badge')?.textContent || '',
        };
      }, diag);
      check('the gutter marks the line of the error', inline.gutterMarked, JSON.stringify(inline));
      // The daemon counts columns in UTF-8 bytes; the page underlines characters.
      const charColumn = Buffer.from(brokenLineText).subarray(0, diag.column - 1).toString().length + 1;
      check('the error is underlined at its column', inline.column === charColumn,
        `underline at character ${inline.column}, diagnostic byte column ${diag.column} = character ${charColumn}`);
      check('the error message is shown on its line, in view inside the editor',
        inline.lens.includes(diag.message.slice(0, 20)) && inline.lensVisible, JSON.stringify(inline));
      check('the problems list under the editor gives position, code and the full message',
        inline.problems.some((p) => p.includes(`${diag.line}:${diag.column}`) && p.includes(diag.message) && (!diag.code || p.includes(diag.code))),
        JSON.stringify(inline.problems));
      check('the Decision tab says the policy does not compile', /does not compile/i.test(inline.badge), inline.badge);
    }
    await shot('syntax-error');

    // 6b. Broken JSON in the request: marked as it is typed, and the daemon's input error shown.
    await setEditor(page, 'policy', shownPolicy);
    const brokenRequest = example.request.replace(/\{/, '{ "oops" ,');
    await setEditor(page, 'request', brokenRequest);
    await page.waitForSelector('#pane-request .gutter-line.mark-error');
    const jsonMark = await page.evaluate(() => ({
      line: Number(document.querySelector('#pane-request .gutter-line.mark-error').dataset.line),
      problems: [...document.querySelectorAll('#pane-request .problem')].map((p) => p.textContent),
    }));
    check('invalid request JSON is marked in the request editor before deciding',
      jsonMark.line === 1 && jsonMark.problems.length > 0, JSON.stringify(jsonMark));
    await decideWith(page, () => page.click('#decide'));
    const inputError = await page.evaluate(() => ({
      badge: document.querySelector('#panel-decision .badge')?.textContent || '',
      text: document.querySelector('#panel-decision')?.textContent || '',
    }));
    check('deciding with invalid request JSON shows the daemon\'s input error',
      /error/i.test(inputError.badge) && /request/i.test(inputError.text), JSON.stringify(inputError));
    await shot('request-json-error');
    await setEditor(page, 'request', edit ? edit.text : example.request);

    // 7. Fix it, decide again; the markers go away.
    await setEditor(page, 'policy', shownPolicy);
    await decideWith(page, () => page.click('#decide'));
    const shown4 = await shownDecision(page);
    const lastExpected = edit ? edit.answer : expected1;
    check('after the fix the policy decides again and the markers are gone',
      shown4.decision === (lastExpected.decision && lastExpected.decision.decision) &&
      (await page.$$('#pane-policy .gutter-line.has-mark')).length === 0, JSON.stringify(shown4));

    // 8. The Bytecode tab shows the disassembly.
    await page.click('#tab-bytecode');
    const disassembly = await page.textContent('#panel-bytecode');
    check('the Bytecode tab shows the disassembly', Boolean(lastExpected.disassembly) &&
      disassembly.trim().length > 0 && !(await page.$('#panel-bytecode .placeholder')));
    await shot('bytecode');

    // 9. The Ledger tab: checkpoint, receipt, and the inclusion proof of the last decision.
    await page.click('#tab-ledger');
    await page.waitForSelector('#checkpoint pre');
    const checkpoint = await page.textContent('#checkpoint pre');
    check('the Ledger tab shows the scratch ledger\'s signed checkpoint',
      /\n\n\u2014 /.test(checkpoint), checkpoint.slice(0, 300));
    const seqText = await page.textContent('#receipt dd');
    check('the Ledger tab shows the receipt of the last decision', /^\d+$/.test(seqText.trim()), seqText);
    await page.click('#fetch-proof');
    await page.waitForSelector('#proof pre, #proof .failure');
    const proof = (await page.$('#proof pre')) ? await page.textContent('#proof pre') : '';
    const apiProof = await (await fetch(`${base}/v1/playground/ledger/proof?seq=${seqText.trim()}`)).text();
    check('"Fetch inclusion proof" shows the tlog-proof of that entry',
      proof.startsWith('c2sp.org/tlog-proof@v1') && proof === apiProof,
      `shown: ${proof.slice(0, 200) || await page.textContent('#proof')}`);
    await shot('ledger-proof');

    // 9b. The ledger list: every decision of the scratch ledger, newest first, readable.
    const ledger = await apiEntries(base);
    const decisionIds = ledger.parsed.filter((e) => e.kind === 'decision').map((e) => e.payload.decision_id).reverse();
    await page.waitForSelector('#ledger-list tr[data-kind="decision"]');
    const listed = await page.$$eval('#ledger-list tr[data-kind="decision"]', (rows) => rows.map((r) => r.dataset.decisionId));
    const receiptId = (await page.textContent('#receipt')).match(/[0-9a-f]{8}-[0-9a-f-]{27}/)?.[0] || '';
    check('the Ledger tab lists the scratch ledger\'s decisions, newest first',
      decisionIds.length > 1 && sameList(listed, decisionIds) && listed[0] === receiptId,
      `listed ${JSON.stringify(listed.slice(0, 5))}…, ledger ${JSON.stringify(decisionIds.slice(0, 5))}…, receipt ${receiptId}`);
    const firstRow = await page.evaluate(() => document.querySelector('#ledger-list tr[data-kind="decision"]')?.textContent || '');
    const newest = ledger.parsed.filter((e) => e.kind === 'decision').pop();
    check('a listed decision shows its subject, action, resource and answer',
      firstRow.includes(newest.payload.request.subject.id) && firstRow.includes(newest.payload.request.action.name) &&
      firstRow.includes(newest.payload.request.resource.id) && firstRow.toLowerCase().includes(newest.payload.decision),
      firstRow.slice(0, 300));
    await page.locator('#ledger-list').scrollIntoViewIfNeeded();
    await shot('ledger-list');

    // 9c. Verify, in the page: the chain, the root, the signature, every proof.
    const verified = await verifyShown(page);
    const n = ledger.entries.length;
    check('Verify says the scratch ledger is valid, in plain words',
      verified.ok === 'true' && verified.text.startsWith(`Valid: ${n} entries, chain intact, checkpoint signed by arbiter-playground, ${n} proofs checked`),
      verified.text);
    await shot('ledger-verified');

    // 9d. Tampered answers: one byte of one entry, then the checkpoint's signature. Verify
    //     must say what failed, never "valid".
    const tampered = Math.floor(n / 2);
    await page.route('**/v1/playground/ledger/entries*', async (route) => {
      const response = await route.fetch();
      const body = await response.json();
      for (const e of body.entries) {
        if (e.seq !== tampered) continue;
        const at = e.raw.lastIndexOf('"time":"') + 8;  // a digit of the entry's year
        e.raw = e.raw.slice(0, at) + (e.raw[at] === '1' ? '2' : '1') + e.raw.slice(at + 1);
      }
      await route.fulfill({ response, json: body });
    });
    const afterEntryTamper = await verifyShown(page);
    check('an altered byte in one entry: Verify names the entry and does not say valid',
      afterEntryTamper.ok === 'false' && !/^valid/i.test(afterEntryTamper.text) &&
      afterEntryTamper.text.startsWith(`Not valid: entry ${tampered}: its hash does not match the checkpoint`),
      afterEntryTamper.text.slice(0, 400));
    await shot('ledger-tampered-entry');
    await page.unroute('**/v1/playground/ledger/entries*');
    await page.route('**/v1/playground/ledger/entries*', async (route) => {
      const response = await route.fetch();
      const body = await response.json();
      const at = body.checkpoint.length - 10;  // inside the signature's base64
      body.checkpoint = body.checkpoint.slice(0, at) + (body.checkpoint[at] === 'A' ? 'B' : 'A') + body.checkpoint.slice(at + 1);
      await route.fulfill({ response, json: body });
    });
    const afterSignatureTamper = await verifyShown(page);
    check('an altered checkpoint signature: Verify says the signature does not verify',
      afterSignatureTamper.ok === 'false' &&
      afterSignatureTamper.text.startsWith('Not valid: the checkpoint\'s signature by arbiter-playground does not verify'),
      afterSignatureTamper.text.slice(0, 400));
    await page.unroute('**/v1/playground/ledger/entries*');
    check('and untouched answers verify again', (await verifyShown(page)).ok === 'true');

    // 9e. What-if: the edited policy against the decisions made so far, as the daemon counts it.
    const whatIfPolicy = 'package playground_whatif;\n\npermit nobody { when false }\n';
    await setEditor(page, 'policy', whatIfPolicy);
    await page.click('#whatif-run');
    await page.waitForSelector('#whatif-result[data-changed]');
    const whatIfShown = await page.evaluate(() => {
      const r = document.querySelector('#whatif-result');
      return { changed: Number(r.dataset.changed), decisions: Number(r.dataset.decisions), text: r.textContent };
    });
    const whatIfApi = await apiWhatIf(base, whatIfPolicy);
    check('the what-if panel shows the changed count the daemon\'s what-if gives',
      whatIfApi.ok && whatIfApi.impact.differ > 0 && whatIfShown.changed === whatIfApi.impact.differ &&
      whatIfShown.decisions === whatIfApi.impact.decisions &&
      whatIfShown.text.includes(`${whatIfApi.impact.differ} of ${whatIfApi.impact.decisions}`),
      `shown ${JSON.stringify(whatIfShown).slice(0, 300)}, daemon ${JSON.stringify(whatIfApi.impact).slice(0, 300)}`);
    await shot('ledger-whatif');
    await setEditor(page, 'policy', shownPolicy);

    // 9f. A review on a decision: recorded as review evidence and listed with the decision.
    //     The reviewer disagrees with the newest decision.
    const reviewed = await page.getAttribute('#ledger-list tr[data-kind="decision"]', 'data-decision-id');
    const expectedAnswer = newest.payload.decision === 'allow' ? 'deny' : 'allow';
    await page.click('#ledger-list tr[data-kind="decision"] .review-button');
    await page.check(`#review-expected-${expectedAnswer}`);
    const reviewReason = 'the reviewer knows better: café owners may always do this';
    await page.fill('#review-reason', reviewReason);
    await page.click('#review-submit');
    await page.waitForSelector('#ledger-list tr[data-kind="evidence"]');
    const evidenceRow = await page.textContent('#ledger-list tr[data-kind="evidence"]');
    const linked = await page.textContent(`#ledger-list tr[data-decision-id="${reviewed}"]`);
    const recorded = (await apiEntries(base)).parsed.filter((e) => e.kind === 'evidence' && e.payload.type === 'review');
    check('a review is recorded as review evidence against the decision',
      recorded.length === 1 && sameList(recorded[0].payload.decision_ids, [reviewed]) &&
      recorded[0].payload.body.expected === expectedAnswer && recorded[0].payload.body.reason === reviewReason,
      JSON.stringify(recorded));
    check('and listed, with the decision it is about',
      evidenceRow.includes(reviewReason) && linked.includes(`should have been ${expectedAnswer}`),
      `evidence row: ${evidenceRow.slice(0, 200)}; decision row: ${linked.slice(0, 200)}`);
    check('the list verifies with the review in it', (await verifyShown(page)).ok === 'true');
    await shot('ledger-reviewed');

    // 9g. The receipt card survives a reload.
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    if (await page.getAttribute('#tab-ledger', 'aria-selected') !== 'true') await page.click('#tab-ledger');
    const seqAfterReload = await page.textContent('#receipt dd').catch(() => '');
    check('the receipt card survives a reload', seqAfterReload.trim() === seqText.trim() &&
      (await page.textContent('#receipt')).includes(receiptId), `${seqAfterReload} vs ${seqText}`);

    // 10. Laptop and desktop screens: nothing overlaps, nothing leaves the window. Checked with
    //     a compile error on screen, the busiest state.
    await page.click('#tab-decision');
    await setEditor(page, 'policy', broken);
    await decideWith(page, () => page.click('#decide'));
    for (const [w, h] of [[1366, 768], [1920, 1080]]) {
      await page.setViewportSize({ width: w, height: h });
      await page.waitForTimeout(100);
      const problems = await layoutProblems(page);
      check(`layout at ${w}x${h}: nothing overlaps or leaves the window`, problems.length === 0, problems.join('\n'));
      await shot(`layout-${w}x${h}`);
    }

    // 10b. An edit survives a reload made at once, before the URL caught up with it.
    const lastMinute = (await editorValue(page, 'policy')) + '\n// edited just before a reload\n';
    await setEditor(page, 'policy', lastMinute);
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    check('an edit survives an immediate reload', await editorValue(page, 'policy') === lastMinute,
      (await editorValue(page, 'policy')).slice(-80));
    await page.waitForTimeout(400);
    check('and the URL then holds it', /[#&]s=/.test(page.url()), page.url());

    // 11. A damaged link does not break the page: it says so and loads an example.
    const damaged = await context.newPage();
    const damagedErrors = [];
    damaged.on('pageerror', (e) => damagedErrors.push(e.message));
    await damaged.goto(base + '/playground#tab=ledger&s=zNOT-A-VALID-PAYLOAD');
    await damaged.waitForSelector('body[data-ready="true"]');
    const damagedState = { status: await damaged.textContent('#status'), policy: await editorValue(damaged, 'policy') };
    check('a damaged link is reported and the page still loads an example',
      /could not read the link/i.test(damagedState.status) && damagedState.policy.length > 0 && damagedErrors.length === 0,
      JSON.stringify({ ...damagedState, policy: damagedState.policy.slice(0, 40), damagedErrors }));
    await damaged.close();

    check('the page asked no other host for anything', foreign.length === 0, foreign.join('\n'));
    check('no script errors on the page', pageErrors.length === 0, pageErrors.join('\n'));
  } finally {
    if (context) await context.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
    await server.stop();
  }
}

(async () => {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`playground_test: ${e.message}`);
    process.exit(2);
  }
  try {
    await run(args);
  } catch (e) {
    check('the browser test ran to the end', false,
      (e.stack || e.message) + (pageErrors.length ? '\nerrors on the page:\n' + pageErrors.join('\n') : ''));
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
})();
