#!/usr/bin/env node
// `npm start`: installs dependencies on a fresh machine, then serves the explorer (Vite) with the
// built-in example checkpoint already loaded. Everything runs in the browser; nothing is uploaded.
import { spawnSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

process.chdir(new URL('..', import.meta.url).pathname);
if (!existsSync('node_modules/.package-lock.json')) {
  console.log('deadscope: installing dependencies (npm ci)');
  if (spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' }).status !== 0) process.exit(1);
}
const port = process.env.PORT ?? '5173';
console.log(`deadscope: open http://localhost:${port}/ (Chrome/Edge with WebGPU, or any browser on the CPU engine)`);
const vite = spawn('npx', ['vite', '--port', port, '--strictPort'], { stdio: 'inherit' });
vite.on('exit', (code) => process.exit(code ?? 0));
