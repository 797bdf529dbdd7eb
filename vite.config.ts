import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import { cspPlugin } from './scripts/vite-csp.ts';

export default defineConfig({
  plugins: [react(), cspPlugin()],
  // WGSL sources are imported as text (`?raw`); the worker is an ES module.
  worker: { format: 'es' },
  server: { port: 5173, strictPort: false },
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    environment: 'node',
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
  },
});
