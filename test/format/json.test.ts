import { describe, expect, it } from 'vitest';
import { JsonSyntaxError, parseJson, type JsonNode } from '../../src/format/json.ts';

/** Plain JS value of a node (objects keep the last duplicate, like JSON.parse). */
function plain(n: JsonNode): unknown {
  switch (n.type) {
    case 'object': return Object.fromEntries(n.entries.map((e) => [e.key, plain(e.value)]));
    case 'array': return n.items.map(plain);
    case 'number': return n.value;
    case 'null': return null;
    default: return n.value;
  }
}

describe('parseJson', () => {
  it('agrees with JSON.parse on valid documents', () => {
    for (const text of [
      '{}', '[]', ' {"a":[1,-2.5e3,0,true,false,null],"b":{"c":"d"}} ',
      '"\\u00e9\\n\\t\\"\\\\\\/"', '"\\ud83d\\ude00"', '-0', '1E+2', '{"":""}',
    ]) {
      expect(plain(parseJson(text))).toEqual(JSON.parse(text));
    }
  });

  it('keeps duplicate keys in order, and number source text', () => {
    const n = parseJson('{"a":1,"a":2.0}');
    expect(n).toEqual({
      type: 'object',
      entries: [
        { key: 'a', value: { type: 'number', raw: '1', value: 1 }, offset: 1 },
        { key: 'a', value: { type: 'number', raw: '2.0', value: 2 }, offset: 7 },
      ],
    });
  });

  it('rejects what RFC 8259 (and serde_json) rejects', () => {
    for (const text of [
      '', ' ', '{', '{"a"}', '{"a":1,}', '[1,]', '01', '1.', '.5', '+1', '-', 'NaN', 'Infinity',
      "{'a':1}", '{a:1}', '"\u0001"', '"\\x41"', '"\\ud800"', '"\\udc00"', '"\\ud800\\u0041"',
      '{}\u00a0', '{}\u0000', '\ufeff{}', '{} {}', 'tru', 'nul',
    ]) {
      expect(() => parseJson(text), JSON.stringify(text)).toThrow(JsonSyntaxError);
    }
  });

  it('allows 127 nested levels and not 128, like serde_json', () => {
    expect(() => parseJson('['.repeat(127) + ']'.repeat(127))).not.toThrow();
    expect(() => parseJson('['.repeat(128) + ']'.repeat(128))).toThrow(/nesting too deep/);
  });
});
