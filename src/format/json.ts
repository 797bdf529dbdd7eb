/**
 * A strict, minimal JSON parser for safetensors headers.
 *
 * Why not `JSON.parse`: it silently keeps the last of two equal keys, so a header with a
 * duplicated tensor name would lose a tensor without a word; it turns `1e2` and `1.0` into
 * integers, which the reference (Rust `serde_json` into `usize`) rejects as shapes or offsets;
 * and it rounds integers above 2^53 without telling. This parser keeps every object entry in
 * order (duplicates included), keeps each number's source text, and follows RFC 8259 as
 * `serde_json` does: whitespace is space, tab, LF, CR only; no raw control characters in
 * strings; lone UTF-16 surrogates in `\u` escapes are errors; more than 127 nested arrays or
 * objects is an error (serde_json's recursion limit).
 *
 * Pure module: no DOM, no Node.
 */

export type JsonNode =
  | { type: 'object'; entries: JsonEntry[] }
  | { type: 'array'; items: JsonNode[] }
  | { type: 'string'; value: string }
  /** `raw` is the number's source text; `value` is `Number(raw)` (possibly rounded). */
  | { type: 'number'; raw: string; value: number }
  | { type: 'boolean'; value: boolean }
  | { type: 'null' };

/** One `"key": value` pair of an object, in source order; `offset` is where the key starts. */
export interface JsonEntry {
  key: string;
  value: JsonNode;
  offset: number;
}

/** A syntax error at character `offset` of the text. */
export class JsonSyntaxError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(`${message} at character ${offset}`);
    this.name = 'JsonSyntaxError';
    this.offset = offset;
  }
}

/**
 * Most nested arrays/objects allowed. serde_json starts a budget of 128 and fails when it reaches
 * zero, so 127 levels parse and 128 do not (checked against the reference on safetensors headers).
 */
export const MAX_JSON_DEPTH = 127;

const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/** Parse `text` as exactly one JSON value, optionally surrounded by JSON whitespace. */
export function parseJson(text: string, maxDepth: number = MAX_JSON_DEPTH): JsonNode {
  let pos = 0;
  const n = text.length;

  const fail = (message: string, at: number = pos): never => {
    throw new JsonSyntaxError(message, at);
  };

  const skipWs = (): void => {
    while (pos < n) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) pos++;
      else break;
    }
  };

  const hex4 = (at: number): number => {
    if (at + 4 > n) fail('truncated \\u escape', at);
    let v = 0;
    for (let i = 0; i < 4; i++) {
      const c = text.charCodeAt(at + i);
      let d: number;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
      else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
      else return fail('invalid hex digit in \\u escape', at + i);
      v = v * 16 + d;
    }
    return v;
  };

  const parseString = (): string => {
    // pos is at the opening quote
    pos++;
    let out = '';
    let chunkStart = pos;
    for (;;) {
      if (pos >= n) fail('unterminated string');
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        out += text.slice(chunkStart, pos);
        pos++;
        return out;
      }
      if (c < 0x20) fail('control character in string');
      if (c !== 0x5c) {
        pos++;
        continue;
      }
      out += text.slice(chunkStart, pos);
      const e = text.charCodeAt(pos + 1);
      switch (e) {
        case 0x22: out += '"'; pos += 2; break;
        case 0x5c: out += '\\'; pos += 2; break;
        case 0x2f: out += '/'; pos += 2; break;
        case 0x62: out += '\b'; pos += 2; break;
        case 0x66: out += '\f'; pos += 2; break;
        case 0x6e: out += '\n'; pos += 2; break;
        case 0x72: out += '\r'; pos += 2; break;
        case 0x74: out += '\t'; pos += 2; break;
        case 0x75: {
          const u = hex4(pos + 2);
          if (u >= 0xd800 && u <= 0xdbff) {
            // a high surrogate must be followed by an escaped low surrogate
            if (text.charCodeAt(pos + 6) !== 0x5c || text.charCodeAt(pos + 7) !== 0x75) {
              fail('lone leading surrogate in \\u escape');
            }
            const lo = hex4(pos + 8);
            if (lo < 0xdc00 || lo > 0xdfff) fail('lone leading surrogate in \\u escape');
            out += String.fromCharCode(u, lo);
            pos += 12;
          } else if (u >= 0xdc00 && u <= 0xdfff) {
            fail('lone trailing surrogate in \\u escape');
          } else {
            out += String.fromCharCode(u);
            pos += 6;
          }
          break;
        }
        default:
          fail('invalid escape');
      }
      chunkStart = pos;
    }
  };

  const parseValue = (depth: number): JsonNode => {
    skipWs();
    if (pos >= n) fail('unexpected end of input');
    const c = text.charCodeAt(pos);
    if (c === 0x7b /* { */) {
      if (depth >= maxDepth) fail('nesting too deep');
      pos++;
      const entries: JsonEntry[] = [];
      skipWs();
      if (text.charCodeAt(pos) === 0x7d) {
        pos++;
        return { type: 'object', entries };
      }
      for (;;) {
        skipWs();
        if (text.charCodeAt(pos) !== 0x22) fail('expected a string key');
        const offset = pos;
        const key = parseString();
        skipWs();
        if (text.charCodeAt(pos) !== 0x3a) fail("expected ':'");
        pos++;
        const value = parseValue(depth + 1);
        entries.push({ key, value, offset });
        skipWs();
        const d = text.charCodeAt(pos);
        if (d === 0x2c) { pos++; continue; }
        if (d === 0x7d) { pos++; return { type: 'object', entries }; }
        fail("expected ',' or '}'");
      }
    }
    if (c === 0x5b /* [ */) {
      if (depth >= maxDepth) fail('nesting too deep');
      pos++;
      const items: JsonNode[] = [];
      skipWs();
      if (text.charCodeAt(pos) === 0x5d) {
        pos++;
        return { type: 'array', items };
      }
      for (;;) {
        items.push(parseValue(depth + 1));
        skipWs();
        const d = text.charCodeAt(pos);
        if (d === 0x2c) { pos++; continue; }
        if (d === 0x5d) { pos++; return { type: 'array', items }; }
        fail("expected ',' or ']'");
      }
    }
    if (c === 0x22) return { type: 'string', value: parseString() };
    if (text.startsWith('true', pos)) { pos += 4; return { type: 'boolean', value: true }; }
    if (text.startsWith('false', pos)) { pos += 5; return { type: 'boolean', value: false }; }
    if (text.startsWith('null', pos)) { pos += 4; return { type: 'null' }; }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      NUMBER_RE.lastIndex = pos;
      const m = NUMBER_RE.exec(text);
      if (!m) return fail('invalid number');
      const raw = m[0];
      pos += raw.length;
      return { type: 'number', raw, value: Number(raw) };
    }
    return fail('unexpected character');
  };

  const root = parseValue(0);
  skipWs();
  if (pos < n) fail('trailing characters');
  return root;
}
