/** The CLI bundle (scripts/build-cli.mjs) answers like the TypeScript sources, without tsx. */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fixture } from '../helpers/read.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const node = (args: string[]) => spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
const dir = mkdtempSync(join(tmpdir(), 'deadscope-bundle-'));

describe('CLI bundle', () => {
  it('builds, prints the help and reads the same JSON as the sources through tsx', () => {
    expect(node(['scripts/build-cli.mjs']).status).toBe(0);
    const bundle = 'build/cli/bin/deadscope.mjs';
    const help = node([bundle, '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('deadscope read CKPT [CKPT…] [options]');
    expect(readFileSync(resolve(ROOT, bundle), 'utf8')).not.toMatch(/from ['"]tsx/);
    const args = ['read', fixture('ts_relu2_adamw_s1.safetensors'), '--backend', 'cpu', '--detectors', 'node-death', '--grid', '1e-3,1,2'];
    const viaBundle = node([bundle, ...args, '--out', join(dir, 'a.json')]);
    const viaTsx = node(['node_modules/tsx/dist/cli.mjs', 'src/cli/main-entry.ts', ...args, '--out', join(dir, 'b.json')]);
    expect(viaBundle.status, viaBundle.stderr).toBe(0);
    expect(viaTsx.status, viaTsx.stderr).toBe(0);
    const strip = (p: string) => {
      const { timing, ...rest } = JSON.parse(readFileSync(p, 'utf8'));
      void timing;
      return rest;
    };
    expect(strip(join(dir, 'a.json'))).toEqual(strip(join(dir, 'b.json')));
  }, 120_000);
});
