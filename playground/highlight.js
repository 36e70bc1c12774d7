// Token colouring for the playground editors: the Arbiter policy language and JSON.
// A tokenizer returns a class name per character run; it never changes the text, so the
// coloured layer lines up character for character with the textarea above it.
'use strict';
(function (global) {
  const KEYWORDS = new Set([
    'package', 'permit', 'forbid', 'when', 'unless', 'reason', 'obligation', 'advice',
    'test', 'data', 'request', 'expect', 'reasons', 'if', 'then', 'else', 'let', 'in', 'any',
    'all', 'has', 'like', 'is', 'allow', 'deny', 'schema', 'entity', 'action', 'type',
    'obligations', 'errors', 'error', 'fail_closed',
  ]);
  const LITERALS = new Set(['true', 'false', 'null']);
  const VARIABLES = new Set(['subject', 'action', 'resource', 'context']);
  const FUNCTIONS = new Set(['ip', 'decimal', 'datetime', 'duration']);

  // Each rule: [sticky regex, class or function(match, text, end) -> class].
  const ARBITER_RULES = [
    [/\/\/[^\n]*/y, 'tok-comment'],
    [/\/\*[\s\S]*?(?:\*\/|$)/y, 'tok-comment'],
    [/"(?:[^"\\\n]|\\.)*"?/y, 'tok-string'],
    [/@[A-Za-z_]\w*/y, 'tok-annotation'],
    [/\d+(?:\.\d+)?/y, 'tok-number'],
    [/[A-Za-z_]\w*(?:::[A-Za-z_]\w*)*(?=::")/y, 'tok-type'],
    [/[A-Za-z_]\w*/y, (word, text, end) => {
      if (KEYWORDS.has(word) && !(word === 'action' && /^\s*[=!.\[]/.test(text.slice(end, end + 4)))) {
        // `action` is both a keyword of schemas and the request variable; as an operand it
        // is the variable.
        return word === 'action' ? 'tok-variable' : 'tok-keyword';
      }
      if (LITERALS.has(word)) return 'tok-literal';
      if (VARIABLES.has(word)) return 'tok-variable';
      if (FUNCTIONS.has(word) && text[end] === '(') return 'tok-function';
      if (text[end] === '(') return 'tok-function';
      if (/^[A-Z]/.test(word)) return 'tok-type';
      return '';
    }],
    [/&&|\|\||[=!<>]=|[-+*<>!=]/y, 'tok-operator'],
  ];

  const JSON_RULES = [
    // A key is a complete string followed by a colon (a string with no closing quote is not).
    [/"(?:[^"\\\n]|\\.)*"(?=\s*:)/y, 'tok-key'],
    [/"(?:[^"\\\n]|\\.)*"?/y, 'tok-string'],
    [/-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/y, 'tok-number'],
    [/true|false|null/y, 'tok-literal'],
  ];

  // Returns an array of class names (one per character; '' = plain text).
  function tokenize(text, rules) {
    const classes = new Array(text.length).fill('');
    let pos = 0;
    while (pos < text.length) {
      let matched = false;
      for (const [re, cls] of rules) {
        re.lastIndex = pos;
        const m = re.exec(text);
        if (!m || m[0].length === 0) continue;
        const end = pos + m[0].length;
        const name = typeof cls === 'function' ? cls(m[0], text, end) : cls;
        if (name) classes.fill(name, pos, end);
        pos = end;
        matched = true;
        break;
      }
      if (!matched) pos++;
    }
    return classes;
  }

  global.ArbiterHighlight = {
    arbiter: (text) => tokenize(text, ARBITER_RULES),
    json: (text) => tokenize(text, JSON_RULES),
    plain: (text) => new Array(text.length).fill(''),
  };
})(window);
