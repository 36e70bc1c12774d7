// The playground page: three editors, the Decide action, the result tabs, the examples menu
// and the state in the URL. Talks only to its own origin (the `arbiter serve` daemon):
//   GET  /v1/playground/examples
//   POST /v1/playground/evaluate
//   GET  /v1/playground/ledger/checkpoint
//   GET  /v1/playground/ledger/proof?seq=N
//   GET  /v1/playground/ledger/entries[?size=N&from=S]   (the list and Verify)
//   POST /v1/playground/ledger/review
//   POST /v1/playground/whatif
'use strict';
(function () {
  const R = window.ArbiterRender;
  const $ = (sel) => document.querySelector(sel);
  const TABS = ['decision', 'explain', 'bytecode', 'ledger'];

  const state = {
    tab: 'decision',
    example: '',
    examples: [],
    busy: false,
    lastEvaluated: null,   // the editor texts of the last decision shown
    lastReceipt: null,
    serverMarks: { entities: [], request: [] },
  };

  const editors = {
    policy: new CodeEditor($('#pane-policy'), {
      id: 'policy', title: 'Policy', label: 'Policy source', language: 'arbiter',
      onChange: onEdit, onSubmit: decide,
    }),
    entities: new CodeEditor($('#pane-entities'), {
      id: 'entities', title: 'Entity data (JSON)', label: 'Entity data, JSON', language: 'json',
      onChange: onEdit, onSubmit: decide,
    }),
    request: new CodeEditor($('#pane-request'), {
      id: 'request', title: 'Request (JSON)', label: 'Request, JSON', language: 'json',
      onChange: onEdit, onSubmit: decide,
    }),
  };

  // Line wrapping: a preference of this browser, not part of a shared link.
  const WRAP_KEY = 'arbiter.playground.wrap';
  let wrapPreference = true;
  try { wrapPreference = localStorage.getItem(WRAP_KEY) !== 'off'; } catch (e) { /* no storage */ }
  $('#wrap').checked = wrapPreference;
  for (const e of Object.values(editors)) e.setWrap(wrapPreference);
  $('#wrap').addEventListener('change', (ev) => {
    for (const e of Object.values(editors)) e.setWrap(ev.target.checked);
    try { localStorage.setItem(WRAP_KEY, ev.target.checked ? 'on' : 'off'); } catch (e) { /* no storage */ }
  });

  function texts() {
    return { policy: editors.policy.value, entities: editors.entities.value, request: editors.request.value };
  }

  function setStatus(text, kind) {
    const s = $('#status');
    s.textContent = text;
    s.className = 'status' + (kind ? ' status-' + kind : '');
  }

  // ---- URL state -----------------------------------------------------------------------

  // The URL is written 250 ms after the last edit, asynchronously (it is compressed). Until it
  // is, the edit is also kept in this tab's sessionStorage, written at once, so a reload right
  // after typing (or a tab closed and reopened) keeps it; the start-up prefers it to the URL.
  const PENDING_KEY = 'arbiter.playground.pending';
  function keepPending() {
    try {
      sessionStorage.setItem(PENDING_KEY,
        JSON.stringify({ tab: state.tab, example: state.example, editors: texts() }));
    } catch (e) { /* no storage: the URL alone keeps the state */ }
  }
  function dropPending() {
    try { sessionStorage.removeItem(PENDING_KEY); } catch (e) { /* no storage */ }
  }
  function readPending() {
    try {
      const text = sessionStorage.getItem(PENDING_KEY);
      const pending = text ? JSON.parse(text) : null;
      return pending && pending.editors && typeof pending.editors.policy === 'string' ? pending : null;
    } catch (e) {
      return null;
    }
  }

  let saveTimer = 0;
  let lastHash = '';
  function scheduleSave() {
    keepPending();
    clearTimeout(saveTimer);
    saveTimer = setTimeout(saveNow, 250);
  }
  async function saveNow() {
    clearTimeout(saveTimer);
    const hash = await ArbiterState.write({ tab: state.tab, example: state.example, editors: texts() });
    if (hash !== location.hash) {
      lastHash = hash;
      history.replaceState(null, '', hash);
    }
    dropPending();
  }
  window.addEventListener('pagehide', () => { if (saveTimer) keepPending(); });

  // Returns '' when the fragment held editor texts, else why not ('none' when it held none).
  async function loadFromHash() {
    try {
      const s = await ArbiterState.read(location.hash);
      if (TABS.includes(s.tab)) selectTab(s.tab, false);
      if (!s.editors) return 'none';
      state.example = s.example;
      setEditors(s.editors);
      return '';
    } catch (e) {
      const why = 'Could not read the link (' + e.message + ')';
      setStatus(why, 'error');
      return why;
    }
  }

  window.addEventListener('hashchange', () => {
    if (location.hash !== lastHash) loadFromHash();
  });

  // ---- editors ----------------------------------------------------------------------------

  function setEditors(t) {
    editors.policy.setValue(t.policy);
    editors.entities.setValue(t.entities);
    editors.request.setValue(t.request);
    state.serverMarks = { entities: [], request: [] };
    checkJson(editors.entities);
    checkJson(editors.request);
    updateStale();
    syncExampleMenu();
  }

  function onEdit(editor) {
    if (editor !== editors.policy) {
      state.serverMarks[editor.options.id] = [];  // positions from the server are stale now
      checkJsonSoon(editor);
    }
    updateStale();
    scheduleSave();
  }

  const jsonTimers = {};
  function checkJsonSoon(editor) {
    clearTimeout(jsonTimers[editor.options.id]);
    jsonTimers[editor.options.id] = setTimeout(() => checkJson(editor), 300);
  }

  // Marks a JSON syntax error as the user types, before any round trip.
  function checkJson(editor) {
    const id = editor.options.id;
    const local = [];
    const text = editor.value;
    if (text.trim()) {
      try {
        JSON.parse(text);
      } catch (e) {
        const pos = positionIn(text, e.message);
        local.push({ line: pos.line, column: pos.column, severity: 'error', code: 'JSON', message: cleanJsonMessage(e.message) });
      }
    }
    // The daemon's word wins once there is one; a message without a position borrows the
    // position the browser's own JSON parser found.
    const server = (state.serverMarks[id] || []).map((m) => (m.line || !local.length ? m :
      { ...m, line: local[0].line, column: local[0].column, bytes: false }));
    editor.setMarks(server.length ? server : local);
    editor.setNote(local.length ? 'invalid JSON' : '', local.length ? 'note-error' : '');
  }

  function cleanJsonMessage(message) {
    return message.replace(/\s*\(line \d+ column \d+\)/, '').replace(/ in JSON at position \d+/, '');
  }

  // Finds a position in an error message: "line 3, column 5", "3:5", "position 42", "byte 42".
  function positionIn(text, message) {
    let m = /line (\d+),? col(?:umn)? (\d+)/i.exec(message);
    if (m) return { line: Number(m[1]), column: Number(m[2]) };
    m = /(?:position|byte|offset) (\d+)/i.exec(message);
    if (m) {
      const offset = Math.min(Number(m[1]), text.length);
      const before = text.slice(0, offset);
      const line = before.split('\n').length;
      return { line, column: offset - before.lastIndexOf('\n') };
    }
    m = /(?:^|\s|\w):(\d+):(\d+)\b/.exec(message);
    if (m) return { line: Number(m[1]), column: Number(m[2]) };
    return { line: 0, column: 0 };
  }

  function updateStale() {
    const last = state.lastEvaluated;
    const now = texts();
    const stale = Boolean(last) && (last.policy !== now.policy || last.entities !== now.entities || last.request !== now.request);
    $('#stale').hidden = !stale;
  }

  // ---- examples ---------------------------------------------------------------------------

  // Asked for as soon as the script runs, while the rest of the page sets itself up.
  const examplesResponse = fetch('/v1/playground/examples', { headers: { accept: 'application/json' } });

  async function loadExamples() {
    const select = $('#examples');
    try {
      const r = await examplesResponse;
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      const list = await r.json();
      if (!Array.isArray(list)) throw new Error('unexpected answer');
      state.examples = list.filter((e) => e && typeof e.name === 'string');
      for (const e of state.examples) {
        const opt = document.createElement('option');
        opt.value = e.name;
        opt.textContent = e.name;
        select.append(opt);
      }
      select.disabled = state.examples.length === 0;
      syncExampleMenu();
    } catch (e) {
      select.disabled = true;
      setStatus('Could not load the examples: ' + e.message, 'error');
    }
  }

  function syncExampleMenu() {
    const select = $('#examples');
    const known = state.examples.some((e) => e.name === state.example);
    select.value = known ? state.example : '';
  }

  // A pack of several files arrives as one text, each file with its own package declaration,
  // but the editor holds one file, and a file declares its package once. When every
  // declaration is the same, the later ones are commented out (line numbers stay as they are);
  // when they differ, the text is left alone and the compiler says why.
  const PACKAGE_DECL = /^([ \t]*@[A-Za-z_]\w*[ \t]*\n)*[ \t]*(@[A-Za-z_]\w*[ \t]+)*package[ \t]+[A-Za-z_][\w.]*[ \t]*;[ \t]*$/gm;
  function foldPackages(policy) {
    const decls = [...policy.matchAll(PACKAGE_DECL)];
    if (decls.length < 2) return policy;
    const norm = (d) => d[0].replace(/\s+/g, ' ').trim();
    if (!decls.every((d) => norm(d) === norm(decls[0]))) return policy;
    let out = '';
    let at = 0;
    for (const d of decls.slice(1)) {
      out += policy.slice(at, d.index) + d[0].split('\n').map((l) => '// ' + l).join('\n');
      at = d.index + d[0].length;
    }
    return out + policy.slice(at);
  }

  function loadExample(name) {
    const e = state.examples.find((x) => x.name === name);
    if (!e) return;
    state.example = name;
    setEditors({ policy: foldPackages(e.policy || ''), entities: e.entities || '', request: e.request || '' });
    clearResults();
    setStatus(`Loaded example ${name}`);
    saveNow();
  }

  $('#examples').addEventListener('change', (ev) => {
    if (ev.target.value) loadExample(ev.target.value);
  });

  // ---- deciding ---------------------------------------------------------------------------

  async function decide() {
    if (state.busy) return;
    state.busy = true;
    const button = $('#decide');
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    setStatus('Deciding…');
    const body = texts();
    const started = performance.now();
    let response;
    try {
      const r = await fetch('/v1/playground/evaluate', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await r.text();
      if (!r.ok) throw new Error(`the server answered ${r.status}${text ? ': ' + text.slice(0, 600) : ''}`);
      try {
        response = JSON.parse(text);
      } catch (e) {
        throw new Error('the server answered with something that is not JSON');
      }
    } catch (e) {
      showFailure(e.message);
      setStatus('Decide failed', 'error');
      return finishDecide();
    }
    const ms = Math.round(performance.now() - started);
    state.lastEvaluated = body;
    applyResponse(response);
    const d = response.decision;
    if (d) setStatus(`${String(d.decision).toUpperCase()} · answered in ${ms} ms`, d.decision === 'allow' ? 'allow' : 'deny');
    else setStatus(`No decision · answered in ${ms} ms`, 'error');
    updateStale();
    finishDecide();
  }

  let decisionsShown = 0;
  function finishDecide() {
    state.busy = false;
    // A hook for tests and tools: counts the answers (or failures) shown so far.
    document.body.dataset.decisions = String(++decisionsShown);
    const button = $('#decide');
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }

  function showFailure(message) {
    const panel = $('#panel-decision');
    panel.replaceChildren(R.el('div', 'failure', 'Could not decide: ' + message));
    selectTab('decision', true);
  }

  function applyResponse(response) {
    const diagnostics = Array.isArray(response.diagnostics) ? response.diagnostics : [];
    editors.policy.setMarks(diagnostics.map((d) => ({ ...d, bytes: true })));
    const firstError = diagnostics.find((d) => d.severity !== 'warning' && d.line);
    if (firstError) editors.policy.revealLine(firstError.line);
    const policyErrors = diagnostics.filter((d) => d.severity !== 'warning').length;
    editors.policy.setNote(policyErrors ? `${policyErrors} error${policyErrors === 1 ? '' : 's'}` :
      (diagnostics.length ? `${diagnostics.length} warning${diagnostics.length === 1 ? '' : 's'}` : ''),
    policyErrors ? 'note-error' : (diagnostics.length ? 'note-warning' : ''));

    state.serverMarks = { entities: [], request: [] };
    for (const e of response.input_errors || []) {
      const where = e.where === 'entities' ? 'entities' : 'request';
      const pos = positionIn(editors[where].value, e.message || '');
      state.serverMarks[where].push({ line: pos.line, column: pos.column, bytes: true, severity: 'error', message: e.message });
    }
    checkJson(editors.entities);
    checkJson(editors.request);

    const handlers = {
      focusPolicy: (line, column) => editors.policy.focusAt(line, column, true),
      showLedger: () => selectTab('ledger', true),
    };
    R.renderDecision($('#panel-decision'), response, handlers);
    R.renderExplain($('#panel-explain'), response, handlers);
    R.renderBytecode($('#panel-bytecode'), response);
    if (response.receipt) {
      showReceipt(response.receipt);
      keepReceipt(response.receipt);
    }
    // A compile or input error keeps the receipt of the last real decision on the Ledger tab.
    if (state.tab === 'ledger') refreshLedgerTab();
    if (!response.decision && state.tab !== 'decision') selectTab('decision', true);
  }

  function clearResults() {
    state.lastEvaluated = null;
    $('#panel-decision').replaceChildren(R.el('p', 'placeholder', 'Press Decide (Ctrl+Enter) to evaluate this request.'));
    $('#panel-explain').replaceChildren(R.el('p', 'placeholder', 'The explain trace of the last decision shows here.'));
    $('#panel-bytecode').replaceChildren(R.el('p', 'placeholder', 'The disassembly of the compiled policy shows here after a decision.'));
    editors.policy.setNote('');
    updateStale();
  }

  $('#decide').addEventListener('click', decide);
  document.addEventListener('keydown', (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === 'Enter' && !e.defaultPrevented) {
      e.preventDefault();
      decide();
    }
  });

  // ---- tabs -------------------------------------------------------------------------------

  function selectTab(name, save) {
    if (!TABS.includes(name)) return;
    state.tab = name;
    for (const t of TABS) {
      const selected = t === name;
      $('#tab-' + t).setAttribute('aria-selected', String(selected));
      $('#tab-' + t).tabIndex = selected ? 0 : -1;
      $('#panel-' + t).hidden = !selected;
    }
    if (name === 'ledger') refreshLedgerTab();
    if (save) scheduleSave();
  }

  for (const t of TABS) $('#tab-' + t).addEventListener('click', () => selectTab(t, true));
  $('.tabs').addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const i = TABS.indexOf(state.tab) + (e.key === 'ArrowRight' ? 1 : TABS.length - 1);
    const next = TABS[i % TABS.length];
    selectTab(next, true);
    $('#tab-' + next).focus();
  });

  // ---- ledger -----------------------------------------------------------------------------

  async function fetchText(url) {
    const r = await fetch(url, { headers: { accept: 'text/plain' } });
    const text = await r.text();
    if (!r.ok) throw new Error(`the server answered ${r.status}${text ? ': ' + text.slice(0, 400) : ''}`);
    return text;
  }

  let checkpointSeq = 0;
  async function refreshCheckpoint() {
    const box = $('#checkpoint');
    const mine = ++checkpointSeq;
    try {
      const text = await fetchText('/v1/playground/ledger/checkpoint');
      if (mine !== checkpointSeq) return;
      R.renderCheckpoint(box, text);
    } catch (e) {
      if (mine !== checkpointSeq) return;
      box.replaceChildren(R.el('p', 'failure', 'Could not load the checkpoint: ' + e.message));
    }
  }

  $('#refresh-checkpoint').addEventListener('click', refreshCheckpoint);

  function showReceipt(receipt) {
    state.lastReceipt = receipt;
    R.renderReceipt($('#receipt'), receipt);
    $('#fetch-proof').disabled = false;
    $('#fetch-proof').textContent = `Fetch inclusion proof of entry #${receipt.seq}`;
    $('#proof').replaceChildren();
  }

  // The receipt card survives a reload of this tab, like an edit (sessionStorage).
  const RECEIPT_KEY = 'arbiter.playground.receipt';
  function keepReceipt(receipt) {
    try { sessionStorage.setItem(RECEIPT_KEY, JSON.stringify(receipt)); } catch (e) { /* no storage */ }
  }
  function readReceipt() {
    try {
      const receipt = JSON.parse(sessionStorage.getItem(RECEIPT_KEY) || 'null');
      return receipt && typeof receipt === 'object' && Number.isInteger(receipt.seq) ? receipt : null;
    } catch (e) {
      return null;
    }
  }

  async function fetchJson(url, init) {
    const r = await fetch(url, init);
    const text = await r.text();
    let body = null;
    try { body = JSON.parse(text); } catch (e) { /* said below */ }
    if (!r.ok) {
      const why = body && body.error && body.error.message ? body.error.message : text.slice(0, 400);
      const err = new Error(`the server answered ${r.status}${why ? ': ' + why : ''}`);
      err.status = r.status;
      throw err;
    }
    if (body === null) throw new Error('the server answered something that is not JSON');
    return body;
  }

  // The scratch ledger up to its latest checkpoint: {size, checkpoint, public_key, entries},
  // page after page (each page names the checkpoint's size, so they fit together); null when
  // it is empty.
  async function fetchLedger() {
    let first;
    try {
      first = await fetchJson('/v1/playground/ledger/entries');
    } catch (e) {
      if (e.status === 404) return null;
      throw e;
    }
    const entries = first.entries.slice();
    for (let next = first.next; next !== null && next !== undefined;) {
      const page = await fetchJson(`/v1/playground/ledger/entries?size=${first.size}&from=${next}`);
      if (page.public_key !== first.public_key) {
        throw new Error('the scratch ledger was replaced while it was read; try again');
      }
      entries.push(...page.entries);
      next = page.next;
    }
    return { ...first, entries, next: null };
  }

  function showLedger(data) {
    const list = $('#ledger-list');
    if (!data) {
      list.replaceChildren(R.el('p', 'placeholder', 'The scratch ledger is empty: press Decide.'));
      $('#public-key').replaceChildren(R.el('p', 'placeholder', 'No key yet.'));
      return;
    }
    R.renderLedgerList(list, data.entries, { review: openReview });
    R.renderPublicKey($('#public-key'), data.public_key);
  }

  let ledgerSeq = 0;
  async function refreshLedger() {
    const mine = ++ledgerSeq;
    try {
      const data = await fetchLedger();
      if (mine === ledgerSeq) showLedger(data);
    } catch (e) {
      if (mine === ledgerSeq) {
        $('#ledger-list').replaceChildren(R.el('p', 'failure', 'Could not load the scratch ledger: ' + e.message));
      }
    }
  }

  function refreshLedgerTab() {
    refreshCheckpoint();
    refreshLedger();
  }
  $('#ledger-refresh').addEventListener('click', refreshLedger);

  // Verify: fetch everything afresh and check it here (playground/verify.js).
  let verifications = 0;
  $('#verify').addEventListener('click', async () => {
    const button = $('#verify');
    const box = $('#verify-result');
    button.disabled = true;
    box.className = 'verify-result';
    box.dataset.ok = '';
    box.replaceChildren(R.el('span', 'muted', 'Verifying…'));
    try {
      const data = await fetchLedger();
      if (!data) {
        box.replaceChildren(R.el('span', 'muted', 'Nothing to verify yet: the scratch ledger is empty.'));
      } else {
        ++ledgerSeq;  // what was verified is what the list shows
        showLedger(data);
        R.renderVerify(box, await ArbiterVerify.verifyLedger(data));
      }
    } catch (e) {
      R.renderVerify(box, { ok: false, problems: [], problemCount: 0,
        summary: 'Not verified: could not fetch the ledger (' + e.message + ')' });
    } finally {
      button.disabled = false;
      // A hook for tests and tools: counts the verdicts shown so far.
      document.body.dataset.verified = String(++verifications);
    }
  });

  // What-if: the edited policy against the scratch ledger's decisions, replayed by the daemon.
  $('#whatif-run').addEventListener('click', async () => {
    const box = $('#whatif-result');
    const button = $('#whatif-run');
    button.disabled = true;
    delete box.dataset.changed;
    box.replaceChildren(R.el('p', 'muted', 'Replaying…'));
    try {
      const response = await fetchJson('/v1/playground/whatif', {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ policy: editors.policy.value }),
      });
      R.renderWhatIf(box, response);
    } catch (e) {
      box.replaceChildren(R.el('p', 'failure', 'Could not run the what-if: ' + e.message));
    } finally {
      button.disabled = false;
    }
  });

  // A review: "this decision should have been allow/deny, because ...", as review evidence.
  let reviewing = null;
  function openReview(decision) {
    reviewing = decision;
    const form = $('#review-form');
    $('#review-title').textContent = `Review of decision #${decision.seq} (${decision.id})`;
    $('#review-status').textContent = '';
    form.hidden = false;
    form.scrollIntoView({ block: 'nearest' });
    $('#review-reason').focus();
  }
  $('#review-cancel').addEventListener('click', () => { $('#review-form').hidden = true; reviewing = null; });
  $('#review-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const status = $('#review-status');
    const expected = document.querySelector('#review-form input[name="expected"]:checked');
    const reason = $('#review-reason').value.trim();
    if (!reviewing) return;
    if (!expected) { status.textContent = 'Choose allow or deny.'; return; }
    if (!reason) { status.textContent = 'Say why.'; return; }
    status.textContent = 'Recording…';
    try {
      await fetchJson('/v1/playground/ledger/review', {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ decision_id: reviewing.id, expected: expected.value, reason }),
      });
      $('#review-form').hidden = true;
      $('#review-reason').value = '';
      expected.checked = false;
      reviewing = null;
      refreshLedgerTab();
    } catch (e) {
      status.textContent = 'Not recorded: ' + e.message;
    }
  });
  $('#fetch-proof').addEventListener('click', async () => {
    const receipt = state.lastReceipt;
    if (!receipt) return;
    const box = $('#proof');
    box.replaceChildren(R.el('p', 'muted', 'Fetching…'));
    try {
      const text = await fetchText('/v1/playground/ledger/proof?seq=' + encodeURIComponent(receipt.seq));
      R.renderProof(box, receipt.seq, text);
      refreshCheckpoint();
    } catch (e) {
      box.replaceChildren(R.el('p', 'failure', 'Could not fetch the proof: ' + e.message));
    }
  });

  // ---- share ------------------------------------------------------------------------------

  $('#share').addEventListener('click', async () => {
    await saveNow();
    try {
      await navigator.clipboard.writeText(location.href);
      setStatus('Link copied to the clipboard');
    } catch (e) {
      setStatus('Copy the address bar to share this page (the clipboard is not available here)');
    }
  });

  // ---- start ------------------------------------------------------------------------------

  (async function start() {
    const receipt = readReceipt();
    if (receipt) showReceipt(receipt);
    const pending = readPending();
    let linkProblem = '';
    if (pending) {
      // An edit the URL had not caught up with when the page went away.
      if (TABS.includes(pending.tab)) selectTab(pending.tab, false);
      state.example = pending.example;
      setEditors(pending.editors);
      scheduleSave();
    } else {
      linkProblem = await loadFromHash();
    }
    await loadExamples();
    if (linkProblem && state.examples.length) {
      const preferred = state.examples.find((e) => e.name === 'ai-model-deployment') || state.examples[0];
      loadExample(preferred.name);
    }
    document.body.dataset.ready = 'true';
    if (linkProblem && linkProblem !== 'none') {
      setStatus(linkProblem + ' — showing an example instead', 'error');
    } else if (!$('#status').textContent || /^Loaded example/.test($('#status').textContent)) {
      setStatus('Ready — press Decide or Ctrl+Enter');
    }
  })();
})();
