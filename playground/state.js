// The page state in the URL fragment, so a link reproduces what is on screen:
//   #tab=<tab>&ex=<example>&s=<payload>
// payload = 'z' + base64url(deflate-raw(JSON)) where the browser has CompressionStream,
// else 'j' + base64url(UTF-8 JSON). JSON = {"policy","entities","request"}.
// The fragment never reaches the server.
'use strict';
(function (global) {
  function toBase64Url(bytes) {
    let bin = '';
    for (let i = 0; i < bytes.length; i += 0x8000) {
      bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function fromBase64Url(text) {
    const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes;
  }

  async function pipe(bytes, stream) {
    const out = new Response(new Blob([bytes]).stream().pipeThrough(stream));
    return new Uint8Array(await out.arrayBuffer());
  }

  async function encodePayload(obj) {
    const bytes = new TextEncoder().encode(JSON.stringify(obj));
    if (global.CompressionStream) {
      return 'z' + toBase64Url(await pipe(bytes, new CompressionStream('deflate-raw')));
    }
    return 'j' + toBase64Url(bytes);
  }

  async function decodePayload(payload) {
    const kind = payload[0];
    let bytes = fromBase64Url(payload.slice(1));
    if (kind === 'z') {
      if (!global.DecompressionStream) throw new Error('this browser cannot read compressed links');
      bytes = await pipe(bytes, new DecompressionStream('deflate-raw'));
    } else if (kind !== 'j') {
      throw new Error('unknown link format');
    }
    const obj = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof obj !== 'object' || obj === null) throw new Error('link holds no state');
    return obj;
  }

  // Reads the fragment: {tab, example, editors: {policy, entities, request} | null}.
  async function read(hash) {
    const params = new URLSearchParams((hash || '').replace(/^#/, ''));
    const result = { tab: params.get('tab') || '', example: params.get('ex') || '', editors: null };
    const payload = params.get('s');
    if (payload) {
      const obj = await decodePayload(payload);
      result.editors = {
        policy: String(obj.policy ?? ''),
        entities: String(obj.entities ?? ''),
        request: String(obj.request ?? ''),
      };
    }
    return result;
  }

  async function write(state) {
    const params = new URLSearchParams();
    if (state.tab) params.set('tab', state.tab);
    if (state.example) params.set('ex', state.example);
    params.set('s', await encodePayload(state.editors));
    return '#' + params.toString();
  }

  global.ArbiterState = { read, write };
})(window);
