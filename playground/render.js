// Renders the evaluate response (POST /v1/playground/evaluate) into the result panels.
// Everything from the server goes into the page as text (textContent), never as HTML.
'use strict';
(function (global) {
  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function section(title, count) {
    const s = el('section', 'result-section');
    const h = el('h3', '', title);
    if (count !== undefined) h.append(el('span', 'count', String(count)));
    s.append(h);
    return s;
  }

  function pretty(value) {
    try { return JSON.stringify(value, null, 2); } catch (e) { return String(value); }
  }

  // A compact, collapsible view of any JSON value (used for the explain trace).
  function jsonTree(value, depth) {
    depth = depth || 0;
    if (value === null || typeof value !== 'object') {
      return el('span', 'jv jv-' + (value === null ? 'null' : typeof value),
        typeof value === 'string' ? JSON.stringify(value) : String(value));
    }
    const isArray = Array.isArray(value);
    const entries = isArray ? value.map((v, i) => [i, v]) : Object.entries(value);
    if (entries.length === 0) return el('span', 'jv', isArray ? '[]' : '{}');
    const details = el('details', 'jt');
    details.open = depth < 3;
    const summary = el('summary', 'jt-summary', summarize(value));
    details.append(summary);
    const list = el('ul', 'jt-list');
    for (const [k, v] of entries) {
      const li = el('li');
      if (!isArray) li.append(el('span', 'jk', k + ': '));
      li.append(jsonTree(v, depth + 1));
      list.append(li);
    }
    details.append(list);
    return details;
  }

  // A one-line label for an object: its rule/id/name and its outcome, when it has them.
  function summarize(value) {
    if (Array.isArray(value)) return `[${value.length}]`;
    const parts = [];
    for (const k of ['rule', 'id', 'name', 'op', 'expr', 'kind', 'effect']) {
      if (typeof value[k] === 'string') { parts.push(value[k]); break; }
    }
    for (const k of ['matched', 'result', 'value', 'outcome', 'decision', 'error']) {
      if (k in value && (typeof value[k] !== 'object' || value[k] === null)) {
        parts.push(`${k}: ${typeof value[k] === 'string' ? value[k] : JSON.stringify(value[k])}`);
      }
    }
    return parts.length ? parts.join(' — ') : `{${Object.keys(value).length}}`;
  }

  function decisionBadge(text, kind) {
    return el('div', 'badge badge-' + kind, text);
  }

  // response: the evaluate JSON; handlers: {focusPolicy(line, col), showLedger()}.
  function renderDecision(panel, response, handlers) {
    panel.replaceChildren();
    const head = el('div', 'decision-head');
    const diagnostics = response.diagnostics || [];
    const errors = diagnostics.filter((d) => d.severity !== 'warning');
    const warnings = diagnostics.filter((d) => d.severity === 'warning');
    const inputErrors = response.input_errors || [];
    const decision = response.decision;

    if (!response.ok && errors.length) {
      head.append(decisionBadge('Does not compile', 'error'));
      head.append(el('span', 'decision-sub',
        `${errors.length} error${errors.length === 1 ? '' : 's'} in the policy — marked in the editor`));
    } else if (inputErrors.length && !decision) {
      head.append(decisionBadge('Input error', 'error'));
      head.append(el('span', 'decision-sub', 'the entity data or the request could not be read'));
    } else if (decision) {
      const allow = decision.decision === 'allow';
      head.append(decisionBadge(allow ? 'ALLOW' : 'DENY', allow ? 'allow' : 'deny'));
      head.dataset.decision = decision.decision;
      if (response.receipt) {
        const link = el('button', 'linkish', `recorded as entry #${response.receipt.seq} in the scratch ledger`);
        link.type = 'button';
        link.addEventListener('click', handlers.showLedger);
        head.append(link);
      }
    } else {
      head.append(decisionBadge('No decision', 'error'));
    }
    panel.append(head);

    if (errors.length || warnings.length) {
      const s = section('Policy diagnostics', diagnostics.length);
      const ul = el('ul', 'diag-list');
      for (const d of diagnostics) {
        const li = el('li', 'diag diag-' + (d.severity === 'warning' ? 'warning' : 'error'));
        const b = el('button', 'problem-link');
        b.type = 'button';
        b.append(el('span', 'problem-pos', `${d.path ? d.path + ':' : ''}${d.line}:${d.column}`));
        b.append(el('span', 'problem-sev', `${d.severity || 'error'}${d.code ? `[${d.code}]` : ''}`));
        b.append(el('span', 'problem-msg', d.message));
        b.addEventListener('click', () => handlers.focusPolicy(d.line, d.column));
        li.append(b);
        ul.append(li);
      }
      s.append(ul);
      panel.append(s);
    }

    if (inputErrors.length) {
      const s = section('Input errors', inputErrors.length);
      const ul = el('ul', 'diag-list');
      for (const e of inputErrors) {
        const li = el('li', 'diag diag-error');
        li.append(el('span', 'problem-pos', e.where === 'entities' ? 'entity data' : (e.where || 'input')));
        li.append(el('span', 'problem-msg', e.message));
        ul.append(li);
      }
      s.append(ul);
      panel.append(s);
    }

    if (!decision) return;

    const grid = el('div', 'decision-grid');
    const reasons = decision.reasons || [];
    const rs = section('Reasons', reasons.length);
    if (reasons.length) {
      const ul = el('ul', 'reasons');
      for (const r of reasons) {
        const li = el('li', 'reason');
        li.append(el('code', 'rule-id', r.rule));
        if (r.message) li.append(el('span', 'reason-msg', r.message));
        ul.append(li);
      }
      rs.append(ul);
    } else {
      rs.append(el('p', 'muted', decision.decision === 'deny'
        ? 'No rule matched: denied by default.' : 'No reasons given.'));
    }
    grid.append(rs);

    const obligations = decision.obligations || [];
    const os = section('Obligations and advice', obligations.length);
    if (obligations.length) {
      const ul = el('ul', 'obligations');
      for (const o of obligations) {
        const li = el('li', 'obligation');
        const line = el('div', 'obligation-head');
        line.append(el('span', 'tag ' + (o.advice ? 'tag-advice' : 'tag-obligation'), o.advice ? 'advice' : 'obligation'));
        line.append(el('code', 'obligation-name', o.name));
        if (o.rule) line.append(el('span', 'muted', ' from '), el('code', 'rule-id', o.rule));
        li.append(line);
        if (o.payload !== undefined && o.payload !== null) {
          const compact = JSON.stringify(o.payload, null, 1).replace(/\n\s*/g, ' ');
          li.append(el('pre', 'payload', compact.length <= 72 ? compact : pretty(o.payload)));
        }
        ul.append(li);
      }
      os.append(ul);
    } else {
      os.append(el('p', 'muted', 'None.'));
    }
    grid.append(os);
    panel.append(grid);

    const evalErrors = decision.errors || [];
    if (evalErrors.length) {
      const s = section('Evaluation errors', evalErrors.length);
      const ul = el('ul', 'diag-list');
      for (const e of evalErrors) {
        const li = el('li', 'diag diag-error');
        li.append(el('code', 'rule-id', e.rule), el('span', 'problem-msg', e.message));
        ul.append(li);
      }
      s.append(ul);
      panel.append(s);
    }
    if (decision.bundle) panel.append(el('p', 'bundle muted', `policy bundle ${decision.bundle}`));
  }

  function renderExplain(panel, response, handlers) {
    panel.replaceChildren();
    const explain = response.decision && response.decision.explain;
    if (explain === undefined || explain === null) {
      panel.append(el('p', 'placeholder', response.decision
        ? 'The server returned no explain trace for this decision.'
        : 'No decision, so no trace: fix the errors shown in the Decision tab.'));
      return;
    }
    if (typeof explain === 'string') {
      panel.append(el('pre', 'trace', explain));
      return;
    }
    if (Array.isArray(explain) && explain.every((s) => s && typeof s === 'object' && typeof s.rule === 'string')) {
      panel.append(explainTable(explain, handlers));
    } else {
      const tree = el('div', 'trace-tree');
      tree.append(jsonTree(explain, 0));
      panel.append(tree);
    }
    const raw = el('details', 'raw');
    raw.append(el('summary', '', 'Raw JSON'), el('pre', 'trace', pretty(explain)));
    panel.append(raw);
  }

  const OUTCOME_LABELS = {
    matched: 'matched', not_matched: 'not matched', error: 'error', skipped: 'skipped',
  };

  // The engine's trace: [{rule, effect, outcome, detail, file, line}], one step per rule.
  function explainTable(steps, handlers) {
    const wrap = el('div', 'explain');
    const counts = {};
    for (const s of steps) counts[s.outcome] = (counts[s.outcome] || 0) + 1;
    const summary = Object.entries(counts).map(([k, n]) => `${n} ${OUTCOME_LABELS[k] || k}`).join(' · ');
    wrap.append(el('p', 'explain-summary', `${steps.length} rule${steps.length === 1 ? '' : 's'} looked at: ${summary}`));
    const table = el('table', 'explain-table');
    const head = el('tr');
    for (const h of ['Rule', 'Effect', 'Outcome', 'Why', 'Where']) head.append(el('th', '', h));
    const thead = el('thead');
    thead.append(head);
    table.append(thead);
    const body = el('tbody');
    for (const s of steps) {
      const tr = el('tr', `step step-${s.outcome || 'unknown'} step-${s.effect || ''}`);
      // Long qualified ids break after a dot, not inside a name.
      const rule = el('td', 'rule-id');
      s.rule.split('.').forEach((part, i, all) => {
        rule.append(part + (i < all.length - 1 ? '.' : ''));
        if (i < all.length - 1) rule.append(document.createElement('wbr'));
      });
      tr.append(rule);
      tr.append(el('td', 'effect', s.effect || ''));
      const outcome = el('td');
      outcome.append(el('span', 'outcome outcome-' + (s.outcome || 'unknown'), OUTCOME_LABELS[s.outcome] || s.outcome || ''));
      tr.append(outcome);
      tr.append(el('td', 'detail', s.detail || ''));
      const where = el('td', 'where');
      if (s.line) {
        const b = el('button', 'linkish', `${s.file ? s.file + ':' : ''}${s.line}`);
        b.type = 'button';
        b.title = 'Show this rule in the policy';
        b.addEventListener('click', () => handlers.focusPolicy(s.line, 1));
        where.append(b);
      }
      tr.append(where);
      body.append(tr);
    }
    table.append(body);
    wrap.append(table);
    return wrap;
  }

  function renderBytecode(panel, response) {
    panel.replaceChildren();
    if (!response.disassembly) {
      panel.append(el('p', 'placeholder', 'No bytecode: the policy did not compile.'));
      return;
    }
    // Light colouring: `rule ...` headers stand out, `;` comments are muted.
    const pre = el('pre', 'disassembly');
    for (const line of response.disassembly.split('\n')) {
      const cls = /^rule /.test(line) ? 'dis-rule' : /^\s*;/.test(line) ? 'dis-comment' : '';
      pre.append(cls ? el('span', cls, line) : document.createTextNode(line), '\n');
    }
    panel.append(pre);
  }

  function renderReceipt(container, receipt) {
    container.replaceChildren();
    if (!receipt) {
      container.append(el('p', 'placeholder', 'No decision recorded yet.'));
      return;
    }
    const dl = el('dl', 'kv');
    for (const [k, label] of [['seq', 'Sequence number'], ['entry_hash', 'Entry hash'], ['decision_id', 'Decision id']]) {
      dl.append(el('dt', '', label), el('dd', 'mono', receipt[k] === undefined ? '—' : String(receipt[k])));
    }
    container.append(dl);
  }

  // A C2SP checkpoint body: origin, tree size, base64 root hash (then extension lines).
  function parseCheckpointBody(lines) {
    if (lines.length < 3 || !/^\d+$/.test(lines[1]) || !/^[A-Za-z0-9+/]+=*$/.test(lines[2])) return null;
    return { origin: lines[0], size: Number(lines[1]), root: lines[2] };
  }

  // A signed note: the checkpoint body, a blank line, then signature lines "— name sig".
  function parseSignedNote(text) {
    const cut = text.indexOf('\n\n');
    if (cut < 0) return null;
    const body = parseCheckpointBody(text.slice(0, cut).split('\n'));
    if (!body) return null;
    body.signers = text.slice(cut + 2).split('\n').filter((l) => l.startsWith('\u2014 '))
      .map((l) => l.slice(2).split(' ')[0]);
    return body;
  }

  // c2sp.org/tlog-proof@v1: header, optional "extra" lines, "index N", the proof hashes,
  // a blank line, then the checkpoint the proof leads to.
  function parseProof(text) {
    const lines = text.split('\n');
    if (lines[0] !== 'c2sp.org/tlog-proof@v1') return null;
    let i = 1;
    while (i < lines.length && lines[i].startsWith('extra ')) i++;
    const m = /^index (\d+)$/.exec(lines[i] || '');
    if (!m) return null;
    const hashes = [];
    for (i++; i < lines.length && lines[i] !== ''; i++) hashes.push(lines[i]);
    const checkpoint = parseSignedNote(lines.slice(i + 1).join('\n')) ||
      parseCheckpointBody(lines.slice(i + 1));
    return { index: Number(m[1]), hashes, checkpoint };
  }

  function summaryList(pairs) {
    const dl = el('dl', 'kv');
    for (const [k, v] of pairs) dl.append(el('dt', '', k), el('dd', 'mono', v));
    return dl;
  }

  function renderCheckpoint(container, text) {
    container.replaceChildren();
    const note = parseSignedNote(text);
    if (note) {
      container.append(summaryList([
        ['Origin', note.origin],
        ['Tree size', `${note.size} entr${note.size === 1 ? 'y' : 'ies'}`],
        ['Root hash', note.root],
        ['Signed by', note.signers.join(', ') || '—'],
      ]));
    }
    container.append(el('pre', 'note-text', text));
  }

  function renderProof(container, seq, text) {
    container.replaceChildren(el('h4', '', `Inclusion proof of entry #${seq}`));
    const proof = parseProof(text);
    if (proof) {
      const pairs = [['Leaf index', String(proof.index)], ['Proof hashes', String(proof.hashes.length)]];
      if (proof.checkpoint) {
        pairs.push(['In the tree', `of size ${proof.checkpoint.size} (${proof.checkpoint.origin})`]);
        pairs.push(['With root', proof.checkpoint.root]);
      }
      container.append(summaryList(pairs));
    }
    container.append(el('pre', 'proof-text', text));
  }

  // ---- the scratch ledger's list, Verify's verdict, the what-if impact ----------------------

  const LIST_ROWS = 200;  // newest rows shown; the count says how many there are

  // "Type:id" of an AuthZEN entity ({type, id}), or the name of an action.
  function entityText(value) {
    if (!value || typeof value !== 'object') return '—';
    if (typeof value.name === 'string' && value.id === undefined) return value.name;
    return `${value.type ?? '?'}:${value.id ?? '?'}`;
  }

  // "2026-12-08T01:02:03.123456Z" -> "01:02:03" (the full time in the title).
  function timeCell(time) {
    const td = el('td', 'mono time', /T(\d\d:\d\d:\d\d)/.exec(time || '')?.[1] || String(time || '—'));
    td.title = `${time} (UTC)`;
    return td;
  }

  function evidenceText(payload, decisionSeq) {
    const body = payload.body || {};
    const by = payload.author ? ` by ${payload.author}` : '';
    if (payload.type === 'review') {
      return `review${by}: should have been ${body.expected} because ${body.reason}`;
    }
    return `${payload.type || 'evidence'}${by}` + (decisionSeq !== undefined ? ` on entry #${decisionSeq}` : '');
  }

  // entries: [{seq, raw}] (as GET /v1/playground/ledger/entries gives them, oldest first);
  // handlers: {review(decision)} with decision {seq, id}.
  function renderLedgerList(container, entries, handlers) {
    container.replaceChildren();
    const parsed = [];
    const counts = {};
    for (const e of entries) {
      let entry = null;
      try { entry = JSON.parse(e.raw); } catch (err) { /* Verify reports it */ }
      if (!entry || typeof entry !== 'object') continue;
      counts[entry.kind] = (counts[entry.kind] || 0) + 1;
      parsed.push(entry);
    }
    const decisionSeq = new Map();
    const evidenceFor = new Map();
    for (const entry of parsed) {
      const p = entry.payload || {};
      if (entry.kind === 'decision') decisionSeq.set(p.decision_id, entry.seq);
      if (entry.kind === 'evidence' && Array.isArray(p.decision_ids)) {
        for (const id of p.decision_ids) {
          if (!evidenceFor.has(id)) evidenceFor.set(id, []);
          evidenceFor.get(id).push(p);
        }
      }
    }
    const listed = parsed.filter((e) => e.kind === 'decision' || e.kind === 'evidence').reverse();
    const n = (k, one, many) => `${counts[k] || 0} ${(counts[k] || 0) === 1 ? one : many}`;
    container.append(el('p', 'ledger-counts', `${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}: ` +
      [n('decision', 'decision', 'decisions'), n('evidence', 'evidence', 'evidence'),
        n('policy', 'policy version', 'policy versions'), n('data', 'data version', 'data versions')].join(', ') +
      (listed.length > LIST_ROWS ? ` — the newest ${LIST_ROWS} are listed` : '')));
    if (listed.length === 0) {
      container.append(el('p', 'placeholder', 'No decisions yet: press Decide.'));
      return;
    }
    const table = el('table', 'ledger-table');
    const head = el('tr');
    for (const h of ['#', 'Time (UTC)', 'Subject', 'Action', 'Resource', 'Decision', 'Rules', 'Controls', 'Evidence', '']) {
      head.append(el('th', '', h));
    }
    table.append(el('thead'));
    table.tHead.append(head);
    const body = el('tbody');
    for (const entry of listed.slice(0, LIST_ROWS)) {
      const p = entry.payload || {};
      const tr = el('tr', 'entry-row entry-' + entry.kind);
      tr.dataset.kind = entry.kind;
      tr.dataset.seq = String(entry.seq);
      tr.append(el('td', 'mono seq', String(entry.seq)), timeCell(entry.time));
      if (entry.kind === 'decision') {
        tr.dataset.decisionId = p.decision_id || '';
        const req = p.request || {};
        tr.append(el('td', 'mono', entityText(req.subject)), el('td', 'mono', entityText(req.action)),
          el('td', 'mono', entityText(req.resource)));
        const answer = el('td');
        answer.append(el('span', 'answer answer-' + (p.decision === 'allow' ? 'allow' : 'deny'), p.decision || '?'));
        tr.append(answer);
        tr.append(el('td', 'mono list', (p.reasons || []).map((r) => r.rule).join(', ') || '—'));
        tr.append(el('td', 'list', (p.controls || []).join(', ') || '—'));
        const ev = el('td', 'evidence-cell');
        for (const e of evidenceFor.get(p.decision_id) || []) ev.append(el('div', 'evidence-link', evidenceText(e)));
        if (!ev.childNodes.length) ev.textContent = '—';
        tr.append(ev);
        const action = el('td');
        const button = el('button', 'small review-button', 'Review…');
        button.type = 'button';
        button.title = 'Say what this decision should have been, and why';
        button.addEventListener('click', () => handlers.review({ seq: entry.seq, id: p.decision_id }));
        action.append(button);
        tr.append(action);
      } else {
        const about = (p.decision_ids || []).map((id) => decisionSeq.has(id) ? `#${decisionSeq.get(id)}` : id).join(', ');
        const td = el('td', 'evidence-text', `Evidence on decision ${about || '—'}: ${evidenceText(p)}`);
        td.colSpan = 8;
        tr.append(td);
      }
      body.append(tr);
    }
    table.append(body);
    container.append(table);
  }

  // result: ArbiterVerify.verifyLedger's answer.
  function renderVerify(container, result) {
    container.replaceChildren();
    container.dataset.ok = String(Boolean(result.ok));
    container.className = 'verify-result ' + (result.ok ? 'verify-ok' : 'verify-fail');
    container.append(el('div', 'verify-summary', result.summary));
    if (!result.ok && result.problems.length > 1) {
      const list = el('ul', 'verify-problems');
      for (const p of result.problems) list.append(el('li', '', p));
      if (result.problemCount > result.problems.length) {
        list.append(el('li', 'muted', `… ${result.problemCount - result.problems.length} more`));
      }
      container.append(list);
    }
  }

  function renderPublicKey(container, key) {
    container.replaceChildren(el('pre', 'note-text', key));
  }

  // response: POST /v1/playground/whatif's answer.
  function renderWhatIf(container, response) {
    container.replaceChildren();
    delete container.dataset.changed;
    delete container.dataset.decisions;
    if (!response.ok) {
      const first = (response.diagnostics || []).find((d) => d.severity !== 'warning');
      container.append(el('p', 'failure', 'The edited policy does not compile' +
        (first ? ` (line ${first.line}: ${first.message})` : '') + ', so it cannot be replayed.'));
      return;
    }
    const impact = response.impact || {};
    container.dataset.changed = String(impact.differ ?? 0);
    container.dataset.decisions = String(impact.decisions ?? 0);
    const headline = el('p', 'whatif-headline' + (impact.differ ? ' whatif-changes' : ''),
      `${impact.differ} of ${impact.decisions} decision${impact.decisions === 1 ? '' : 's'} made so far would change` +
      (impact.differ ? ` (${impact.allow_to_deny} allow → deny, ${impact.deny_to_allow} deny → allow)` : '') + '.');
    container.append(headline);
    const notes = [];
    if (impact.reasons_changed) notes.push(`${impact.reasons_changed} would keep their answer, but decided by other rules`);
    const notReplayable = impact.not_replayable?.count || 0;
    if (notReplayable) {
      notes.push(`${notReplayable} could not be replayed: ` +
        Object.entries(impact.not_replayable.reasons || {}).map(([why, k]) => `${k} because ${why}`).join('; '));
    }
    for (const t of notes) container.append(el('p', 'muted', t));
    if ((impact.by_rule || []).length) {
      const s = section('By rule (the rule that decided before)');
      const table = el('table', 'ledger-table');
      const head = el('tr');
      for (const h of ['Rule', 'Changed', 'allow → deny', 'deny → allow']) head.append(el('th', '', h));
      table.append(head);
      for (const g of impact.by_rule) {
        const tr = el('tr');
        tr.append(el('td', 'mono', g.name || '(no rule: the default)'), el('td', '', String(g.changed)),
          el('td', '', String(g.allow_to_deny)), el('td', '', String(g.deny_to_allow)));
        table.append(tr);
      }
      s.append(table);
      container.append(s);
    }
    if ((impact.differences || []).length) {
      const s = section('Examples', impact.differences.length < impact.differ ? `first ${impact.differences.length}` : undefined);
      const list = el('ul', 'whatif-examples');
      for (const d of impact.differences) {
        const rules = (x) => (x.rules || []).join(', ') || 'no rule';
        list.append(el('li', 'mono', `#${d.seq} ${d.subject} ${d.action} ${d.resource}: ` +
          `${d.recorded.decision} (${rules(d.recorded)}) → ${d.replayed.decision} (${rules(d.replayed)})`));
      }
      s.append(list);
      container.append(s);
    }
  }

  global.ArbiterRender = {
    renderCheckpoint, renderProof, parseProof, parseSignedNote, renderDecision, renderExplain, renderBytecode, renderReceipt,
    renderLedgerList, renderVerify, renderPublicKey, renderWhatIf, el };
})(window);
