// A small code editor: a plain <textarea> (so typing, undo, selection, IME and accessibility
// are the browser's own) over a coloured layer that repeats the text with token colours,
// diagnostic underlines and an end-of-line message, next to a gutter of line numbers with
// diagnostic markers. The textarea's text is transparent; both layers use the same font,
// padding, line height and width (so long lines wrap at the same places) and scroll together.
// Positions on screen are measured from the coloured layer, so wrapped and unwrapped lines
// work the same way.
'use strict';
(function (global) {
  const SEVERITY_RANK = { error: 2, warning: 1 };

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // The offset (in UTF-16 units, as the textarea counts) of a 1-based column on a line.
  // The daemon counts columns in UTF-8 bytes (mark.bytes), the browser's JSON parser in UTF-16
  // units; the two agree on ASCII text.
  function offsetOf(text, lineStart, lineEnd, column, bytes) {
    const want = Math.max(0, (column | 0) - 1);
    if (!bytes) return Math.min(lineStart + want, lineEnd);
    let i = lineStart;
    let count = 0;
    while (i < lineEnd && count < want) {
      const cp = text.codePointAt(i);
      count += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      i += cp >= 0x10000 ? 2 : 1;
    }
    return i;
  }

  // Diagnostics use 1-based lines and columns, the end exclusive.
  // Returns [start, end) offsets into text, clamped to the text.
  function rangeOf(lineStarts, text, d) {
    const lineCount = lineStarts.length;
    const line = Math.min(Math.max(1, d.line | 0), lineCount);
    const lineEnd = (l) => (l < lineCount ? lineStarts[l] - 1 : text.length);  // l is 1-based
    const start = offsetOf(text, lineStarts[line - 1], lineEnd(line), d.column, d.bytes);
    let end = start;
    if (d.end_line && d.end_column) {
      const el2 = Math.min(Math.max(line, d.end_line | 0), lineCount);
      end = offsetOf(text, lineStarts[el2 - 1], lineEnd(el2), d.end_column, d.bytes);
    }
    if (end <= start) {
      // An empty span: underline the word (or character) at the position, if any.
      const m = /^[\w@]+|^\S/.exec(text.slice(start, lineEnd(line)));
      end = start + (m ? m[0].length : 0);
    }
    return [start, end];
  }

  class CodeEditor {
    // options: {id, title, language: 'arbiter'|'json', label, wrap, onChange(editor), onSubmit()}
    constructor(container, options) {
      this.options = options;
      this.tokenize = global.ArbiterHighlight[options.language] || global.ArbiterHighlight.plain;
      this.marks = [];
      this.renderPending = false;

      const head = el('header', 'pane-head');
      head.append(el('h2', '', options.title));
      this.note = el('span', 'pane-note');
      head.append(this.note);

      this.root = el('div', 'editor');
      this.gutter = el('div', 'gutter');
      this.gutter.setAttribute('aria-hidden', 'true');
      this.gutterLines = el('div', 'gutter-lines');
      this.gutter.append(this.gutterLines);
      const area = el('div', 'code-area');
      this.layer = el('div', 'hl');
      this.layer.setAttribute('aria-hidden', 'true');
      this.layerLines = el('div', 'hl-lines');
      this.layer.append(this.layerLines);
      this.input = el('textarea', 'input');
      this.input.spellcheck = false;
      this.input.setAttribute('autocapitalize', 'off');
      this.input.setAttribute('autocomplete', 'off');
      this.input.setAttribute('autocorrect', 'off');
      this.input.setAttribute('aria-label', options.label || options.title);
      this.input.dataset.editor = options.id;
      area.append(this.layer, this.input);
      this.root.append(this.gutter, area);

      this.problems = el('ul', 'problems');
      this.problems.hidden = true;
      this.problems.setAttribute('aria-label', `${options.title} problems`);

      container.append(head, this.root, this.problems);
      container.classList.add('pane');

      this.input.addEventListener('input', () => {
        this.scheduleRender();
        if (this.options.onChange) this.options.onChange(this);
      });
      this.input.addEventListener('scroll', () => this.syncScroll());
      this.input.addEventListener('keydown', (e) => this.onKeyDown(e));
      this.gutter.addEventListener('click', (e) => {
        const row = e.target.closest('.gutter-line.has-mark');
        if (row) {
          const m = this.marks.find((x) => x.line === Number(row.dataset.line));
          this.focusAt(m.line, m.column || 1, m.bytes);
        }
      });
      // Re-render when the size changes (wrapping and the messages' places depend on it).
      if (global.ResizeObserver) new ResizeObserver(() => this.scheduleRender()).observe(this.input);
      this.setWrap(options.wrap !== false);
    }

    // Long lines wrap (the default: no sideways scrolling on a laptop) or scroll sideways.
    setWrap(wrap) {
      this.wrap = wrap;
      this.root.classList.toggle('wrap', wrap);
      this.input.setAttribute('wrap', wrap ? 'soft' : 'off');
      if (wrap) this.input.scrollLeft = 0;
      this.render();
    }

    lineHeight() {
      return parseFloat(getComputedStyle(this.input).lineHeight) || 20;
    }

    // Top of a line (1-based) in the text's own coordinates (0 = top of the first line).
    lineTop(line) {
      const row = this.layerLines.children[Math.max(0, line - 1)];
      return row ? row.offsetTop : 0;
    }

    get value() { return this.input.value; }

    // Replaces the text (e.g. an example or a shared link); clears the marks.
    setValue(text) {
      this.input.value = text;
      this.marks = [];
      this.input.scrollTop = 0;
      this.input.scrollLeft = 0;
      this.render();
    }

    // marks: [{line, column, end_line, end_column, severity, code, message}]
    setMarks(marks) {
      this.marks = (marks || []).slice();
      this.render();
    }

    setNote(text, kind) {
      this.note.textContent = text || '';
      this.note.className = 'pane-note' + (kind ? ' ' + kind : '');
    }

    focusAt(line, column, bytes) {
      const text = this.input.value;
      const starts = this.lineStarts(text);
      const [start, end] = rangeOf(starts, text, { line, column, bytes });
      this.input.focus();
      this.input.setSelectionRange(start, Math.max(start, end));
      // Bring the line into view (the textarea scrolls to the caret only on some browsers).
      this.revealLine(Math.min(line, starts.length));
    }

    // Scrolls (without moving the caret or the focus) so that `line` is in view.
    revealLine(line) {
      const lineHeight = this.lineHeight();
      const padTop = parseFloat(getComputedStyle(this.input).paddingTop) || 0;
      const top = padTop + this.lineTop(line);
      const view = this.input.clientHeight;
      if (top < this.input.scrollTop || top + 2 * lineHeight > this.input.scrollTop + view) {
        this.input.scrollTop = Math.max(0, top - view / 3);
      }
      this.syncScroll();
    }

    lineStarts(text) {
      const starts = [0];
      for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
      return starts;
    }

    scheduleRender() {
      if (this.renderPending) return;
      this.renderPending = true;
      requestAnimationFrame(() => { this.renderPending = false; this.render(); });
    }

    syncScroll() {
      const x = this.input.scrollLeft, y = this.input.scrollTop;
      if (x !== this.lastScrollLeft) {
        this.lastScrollLeft = x;
        this.fitLenses();  // the room on the right depends on the horizontal scroll
      }
      this.layerLines.style.transform = `translate(${-x}px, ${-y}px)`;
      this.gutterLines.style.transform = `translateY(${-y}px)`;
    }

    onKeyDown(e) {
      if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
        e.preventDefault();
        if (this.options.onSubmit) this.options.onSubmit();
        return;
      }
      if (e.key === 'Tab' && !e.ctrlKey && !e.altKey && !e.metaKey) {
        if (e.shiftKey) return;  // Shift+Tab leaves the editor (keyboard users need a way out).
        e.preventDefault();
        document.execCommand('insertText', false, '  ');
        return;
      }
      if (e.key === 'Enter' && !e.shiftKey && !e.ctrlKey && !e.metaKey && !e.altKey) {
        // Keep the indentation of the current line.
        const text = this.input.value;
        const pos = this.input.selectionStart;
        const lineStart = text.lastIndexOf('\n', pos - 1) + 1;
        const indent = /^[ \t]*/.exec(text.slice(lineStart, pos))[0];
        if (indent) {
          e.preventDefault();
          document.execCommand('insertText', false, '\n' + indent);
        }
      }
    }

    render() {
      const text = this.input.value;
      const starts = this.lineStarts(text);
      const classes = this.tokenize(text);

      // Per-character diagnostic severity (the worst one wins) and per-line messages.
      const markAt = new Uint8Array(text.length + 1);
      const lineMarks = new Map();  // line -> [marks]
      const emptyAt = new Map();    // offset -> severity, for spans with nothing to underline
      for (const m of this.marks) {
        if (!m.line) continue;  // no position (e.g. a data error without one): list only
        const rank = SEVERITY_RANK[m.severity] || 2;
        const [start, end] = rangeOf(starts, text, m);
        if (end > start) {
          for (let i = start; i < end; i++) markAt[i] = Math.max(markAt[i], rank);
        } else {
          emptyAt.set(start, Math.max(emptyAt.get(start) || 0, rank));
        }
        const line = Math.min(Math.max(1, m.line | 0), starts.length);
        if (!lineMarks.has(line)) lineMarks.set(line, []);
        lineMarks.get(line).push(m);
      }

      const layer = document.createDocumentFragment();
      const gutter = document.createDocumentFragment();
      for (let l = 0; l < starts.length; l++) {
        const from = starts[l];
        const to = l + 1 < starts.length ? starts[l + 1] - 1 : text.length;
        const row = el('div', 'hl-line');
        const content = el('span', 'hl-text');  // the line's text; its width is measured
        row.append(content);
        let i = from;
        while (i < to) {
          if (emptyAt.has(i)) content.append(this.emptyMark(emptyAt.get(i)));
          let j = i + 1;
          while (j < to && classes[j] === classes[i] && markAt[j] === markAt[i] && !emptyAt.has(j)) j++;
          const cls = classes[i] + (markAt[i] ? (markAt[i] === 2 ? ' mark-error' : ' mark-warning') : '');
          if (cls.trim()) content.append(el('span', cls.trim(), text.slice(i, j)));
          else content.append(document.createTextNode(text.slice(i, j)));
          i = j;
        }
        if (emptyAt.has(to)) content.append(this.emptyMark(emptyAt.get(to)));
        content.append(el('span', 'hl-end'));  // where the text ends: messages go after it

        const gl = el('div', 'gutter-line', String(l + 1));
        gl.dataset.line = String(l + 1);
        const ms = lineMarks.get(l + 1);
        if (ms) {
          const worst = ms.some((m) => (SEVERITY_RANK[m.severity] || 2) === 2) ? 'error' : 'warning';
          row.classList.add('line-' + worst);
          gl.classList.add('has-mark', 'mark-' + worst);
          gl.title = ms.map((m) => describe(m)).join('\n');
          const lens = el('span', 'lens lens-' + worst, describe(ms[0]) + (ms.length > 1 ? `  (+${ms.length - 1} more)` : ''));
          lens.dataset.line = String(l + 1);
          row.append(lens);
        }
        layer.append(row);
        gutter.append(gl);
      }
      this.layerLines.replaceChildren(layer);
      this.gutterLines.replaceChildren(gutter);
      this.root.style.setProperty('--gutter-digits', String(Math.max(2, String(starts.length).length)));
      this.fitLayout();
      this.fitLenses();
      this.renderProblems();
      this.syncScroll();
    }

    // The coloured layer gets the textarea's exact content width (which shrinks when its
    // scrollbar shows), so that wrapped lines break at the same places; each line number gets
    // the height of its (possibly wrapped) line.
    fitLayout() {
      this.layer.style.width = this.wrap ? `${this.input.clientWidth}px` : '';
      const rows = this.layerLines.children;
      const numbers = this.gutterLines.children;
      const lineHeight = this.lineHeight();
      for (let i = 0; i < rows.length; i++) {
        const h = this.wrap ? rows[i].offsetHeight : lineHeight;
        numbers[i].style.height = h === lineHeight ? '' : `${h}px`;
      }
    }

    // Places each diagnostic message after the end of its line's text, where it covers no
    // code. When there is too little room left on that line, the message goes after the next
    // (or previous) line if that one is short and has no message of its own, with an arrow
    // pointing at its line; failing both, it is cut with an ellipsis where the view ends. The
    // full text is always in the problems list under the editor.
    fitLenses() {
      const lenses = [...this.layerLines.querySelectorAll('.lens')];
      if (!lenses.length) return;
      const rows = this.layerLines.children;
      const lineHeight = this.lineHeight();
      const gap = 24;
      const pad = 2 * 10;  // the layer's left and right padding
      const visibleRight = (this.wrap ? 0 : this.input.scrollLeft) + this.input.clientWidth - pad;
      // Where the text of a line ends: the last visual line of its row, after the text.
      const endOf = (line) => {
        const row = rows[line - 1];
        return { left: row.firstChild.lastChild.offsetLeft, top: row.offsetTop + row.offsetHeight - lineHeight };
      };
      const hasMark = (line) => rows[line - 1].classList.contains('line-error') ||
        rows[line - 1].classList.contains('line-warning');
      const taken = new Set(lenses.map((lens) => Number(lens.dataset.line)));
      for (const lens of lenses) {
        const line = Number(lens.dataset.line);
        lens.style.maxWidth = 'none';
        lens.classList.remove('lens-below', 'lens-above');
        const want = Math.min(lens.offsetWidth + 24, 260);  // + room for the arrow
        const room = (l) => visibleRight - (endOf(l).left + gap);
        let place = line;
        if (room(line) < want) {
          const options = [line + 1, line - 1].filter((l) => l >= 1 && l <= rows.length &&
            !taken.has(l) && !hasMark(l) && room(l) >= want);
          if (options.length) place = options[0];
        }
        if (place !== line) {
          taken.add(place);
          lens.classList.add(place > line ? 'lens-below' : 'lens-above');
        }
        const end = endOf(place);
        lens.style.top = `${end.top}px`;
        lens.style.left = `${end.left + gap}px`;
        lens.style.maxWidth = `${Math.max(room(place), 120)}px`;
      }
    }

    emptyMark(rank) {
      return el('span', 'empty-mark ' + (rank === 2 ? 'mark-error' : 'mark-warning'));
    }

    renderProblems() {
      const list = this.problems;
      list.replaceChildren();
      const sorted = this.marks.slice().sort((a, b) => (a.line - b.line) || (a.column - b.column));
      for (const m of sorted) {
        const li = el('li', 'problem problem-' + (m.severity === 'warning' ? 'warning' : 'error'));
        const btn = el('button', 'problem-link');
        btn.type = 'button';
        btn.append(el('span', 'problem-pos', m.line ? `${m.line}:${m.column || 1}` : ''));
        btn.append(el('span', 'problem-sev', (m.severity || 'error') + (m.code ? `[${m.code}]` : '')));
        btn.append(el('span', 'problem-msg', m.message || ''));
        if (m.line) btn.addEventListener('click', () => this.focusAt(m.line, m.column || 1, m.bytes));
        li.append(btn);
        list.append(li);
      }
      list.hidden = sorted.length === 0;
    }
  }

  function describe(m) {
    return `${m.severity || 'error'}${m.code ? `[${m.code}]` : ''}: ${m.message || ''}`;
  }

  global.CodeEditor = CodeEditor;
})(window);
