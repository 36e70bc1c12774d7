#!/usr/bin/env node
// Browser test of the audit report (spec/audit.md, "Reports"), in Debian's headless Chromium
// driven by playwright-core (no browser download). It records decisions of the stdlib's
// ai-model-deployment pack with `arbiter eval --ledger` (one fails closed, one has a subject id
// that is markup), writes the report as HTML and as JSON with `arbiter audit report`, opens
// the HTML from file://, and checks: no console error, no page error, no request for anything
// but the file itself; the page is verified; each control's counts in the page (data-*)
// equal the JSON report's; every in-page link has its target; the markup subject is text.
//
//   node report_browser_test.js --arbiter build/arbiter --source . --artifacts build/report-artifacts
//
// Prints "ok"/"not ok" per check and a closing "N passed, N failed"; exits 1 on any failure.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const STEP_TIMEOUT_MS = 30000;
const MARKUP_SUBJECT = '<img src=x onerror="console.error(\'injected\')">';

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
  if (!args.artifacts) args.artifacts = path.join(os.tmpdir(), 'report-artifacts');
  return args;
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
  return ok;
}

function arbiter(args, argv) {
  return execFileSync(args.arbiter, argv, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

// Decisions of several kinds: owners and non-owners, production and staging, with and without
// approval, one without `now` (a gate rule errs: the pack fails closed) and one with markup
// as the subject id.
function recordDecisions(args, dir) {
  const pack = path.join(args.source, 'stdlib-policies', 'ai-model-deployment');
  arbiter(args, ['keygen', '--name', 'report.test/ledger', '--out', dir]);
  const key = path.join(dir, 'report.test_ledger.key');
  const ledger = path.join(dir, 'ledger');
  const base = JSON.parse(fs.readFileSync(path.join(pack, 'playground-request.json'), 'utf8'));
  const requests = [];
  for (const user of ['alice', 'bob', 'dana']) {
    for (const model of ['fraud-detector-v3', 'credit-scorer-v2', 'ticket-router-v0']) {
      for (const environment of ['production', 'staging']) {
        const r = JSON.parse(JSON.stringify(base));
        r.subject.id = user;
        r.resource.id = model;
        r.context.environment = environment;
        requests.push(r);
      }
    }
  }
  const noNow = JSON.parse(JSON.stringify(base));
  delete noNow.context.now;
  requests.push(noNow);
  const markup = JSON.parse(JSON.stringify(base));
  markup.subject.id = MARKUP_SUBJECT;
  requests.push(markup);
  requests.forEach((r, i) => {
    const file = path.join(dir, `request-${i}.json`);
    fs.writeFileSync(file, JSON.stringify(r));
    arbiter(args, ['eval', '-p', path.join(pack, 'model_deployment.arbiter'),
      '--schema', path.join(pack, 'schema.arbiterschema'),
      '-d', path.join(pack, 'entities.json'), '-i', file, '--ledger', ledger, '--key', key]);
  });
  return { ledger, pub: path.join(dir, 'report.test_ledger.pub'), decisions: requests.length };
}

async function run(args) {
  let chromium;
  try {
    ({ chromium } = require(path.join(args.source, 'tests', 'playground', 'node_modules', 'playwright-core')));
  } catch (e) {
    check('playwright-core is installed (scripts/bootstrap runs npm ci in tests/playground)', false, e.message);
    return;
  }
  if (!check(`Debian chromium is at ${CHROMIUM}`, fs.existsSync(CHROMIUM))) return;
  fs.mkdirSync(args.artifacts, { recursive: true });

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arbiter-report-browser-'));
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'arbiter-report-chromium-'));
  let context;
  try {
    const made = recordDecisions(args, dir);
    const html = path.join(args.artifacts, 'report.html');
    const jsonFile = path.join(dir, 'report.json');
    const common = ['audit', 'report', '--ledger', made.ledger, '--key', made.pub];
    arbiter(args, [...common, '--out', html]);
    arbiter(args, [...common, '--format', 'json', '--out', jsonFile]);
    const report = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
    check('the JSON report counts every recorded decision',
      report.totals.decisions === made.decisions, `${report.totals.decisions} vs ${made.decisions}`);
    // The request without `now` fails closed (so may the unknown markup subject's).
    check('a decision failed closed', report.totals.fail_closed >= 1, JSON.stringify(report.totals));

    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS,
      viewport: { width: 1366, height: 900 },
    });
    const pageUrl = 'file://' + html;
    const problems = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url === pageUrl || url.startsWith(pageUrl + '#')) return route.continue();
      problems.push(`request: ${url}`);
      return route.abort();
    });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
    page.on('requestfailed', (r) => { if (!r.url().startsWith(pageUrl)) problems.push(`request failed: ${r.url()}`); });
    await page.goto(pageUrl, { waitUntil: 'load' });
    await page.screenshot({ path: path.join(args.artifacts, 'report.png'), fullPage: false });

    const verified = await page.getAttribute('[data-verified]', 'data-verified');
    check('the page says the ledger verified', verified === 'true', verified);

    const shown = await page.$$eval('tr[data-control]', (rows) => rows.map((r) => ({
      name: r.dataset.control,
      allow: Number(r.dataset.allow), deny: Number(r.dataset.deny),
      fail_closed: Number(r.dataset.failClosed), decisions: Number(r.dataset.total),
      with_evidence: Number(r.dataset.withEvidence), open_corrections: Number(r.dataset.openCorrections),
    })));
    const expected = report.controls.map((c) => ({
      name: c.name, allow: c.allow, deny: c.deny, fail_closed: c.fail_closed,
      decisions: c.decisions, with_evidence: c.with_evidence, open_corrections: c.open_corrections,
    }));
    check(`the page's counts for each of the ${expected.length} controls equal the JSON report's`,
      expected.length > 1 && JSON.stringify(shown) === JSON.stringify(expected),
      `page: ${JSON.stringify(shown)}\njson: ${JSON.stringify(expected)}`);

    const rules = await page.$$eval('tr[data-rule]', (rows) => rows.map((r) => [r.dataset.rule, Number(r.dataset.total)]));
    check('the page\'s rule counts equal the JSON report\'s',
      JSON.stringify(rules) === JSON.stringify(report.rules.map((r) => [r.name, r.decisions])));

    const dangling = await page.$$eval('a[href^="#"]', (links) => links
      .map((a) => decodeURIComponent(a.getAttribute('href').slice(1)))
      .filter((id) => !document.getElementById(id)));
    check('every in-page link has its target', dangling.length === 0, dangling.join(', '));

    const sections = await page.$$eval('section[data-control-section]', (s) => s.length);
    check('each control has its section', sections === report.controls.length);

    // Following a control's first decision link lands on a row that lists its evidence.
    const first = await page.getAttribute('section[data-control-section] a[href^="#decision-"]', 'href');
    await page.click(`section[data-control-section] a[href="${first}"]`);
    const target = await page.evaluate(() => location.hash);
    check('a decision link navigates to its row', target === first, `${target} vs ${first}`);

    const markupText = await page.$$eval('td', (cells, s) => cells.some((c) => c.textContent === s), `User::"${MARKUP_SUBJECT}"`);
    const injected = await page.$$eval('img', (imgs) => imgs.length);
    check('a subject id that is markup is shown as text, not run', markupText && injected === 0,
      `shown as text: ${markupText}, img elements: ${injected}`);

    const svgs = await page.$$eval('svg', (s) => s.length);
    check('the charts are inline SVG', svgs >= report.controls.length + 1, String(svgs));

    check('no console error, page error or request outside the file', problems.length === 0, problems.join('\n'));
  } catch (e) {
    check('the test ran to its end', false, e.stack || e.message);
  } finally {
    if (context) await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

run(parseArgs(process.argv.slice(2))).then(() => {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
});
