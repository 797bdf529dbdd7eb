// What the explorer shows for an error: the user's mistakes in words alone, a bug named by its class.
import { describe, expect, it } from 'vitest';
import { plainMessage } from '../../src/state/actions.ts';
import { SafetensorsError, bytesSource, openSafetensors } from '../../src/format/safetensors.ts';
import { InputError } from '../../src/read/pipeline.ts';

describe('plainMessage', () => {
  it('a file the reader refuses: its message alone, file first, rule last', async () => {
    const text = new TextEncoder().encode('# A model card\n\nrenamed to .safetensors by mistake\n');
    const e = await openSafetensors(bytesSource(text), 'card.safetensors').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SafetensorsError);
    expect(plainMessage(e)).toMatch(/^card\.safetensors: .*\[rule: [a-z-]+\]$/);
  });

  it('the read\'s input errors: the message alone', () => {
    const e = new InputError('x.safetensors', 'tensor "w" holds NaN or Inf values');
    expect(plainMessage(e)).toBe(e.message);
    expect(plainMessage(e)).not.toMatch(/InputError/);
  });

  it('an error as it crosses the worker boundary (name and message only) is read the same way', () => {
    expect(plainMessage({ name: 'ArchitectureError', message: 'the layer shapes do not chain' })).toBe('the layer shapes do not chain');
  });

  it('anything else is a bug: named by its class, so a report says what it was', () => {
    expect(plainMessage(new TypeError('x is undefined'))).toBe('TypeError: x is undefined');
    expect(plainMessage('a string')).toBe('Error: a string');
  });
});
