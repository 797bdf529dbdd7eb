/**
 * The dev server the Playwright tests run against: vite.config.ts without file watching and hot
 * reload. A source file changing while a test runs (a merge into the checkout, an editor) made
 * Vite reload the page mid-test; the reloaded page read the built-in example again, and a test
 * waiting for "export enabled" exported the example's JSON instead of the file it had dropped.
 */
import { mergeConfig } from 'vite';
import base from './vite.config.ts';

export default mergeConfig(base, { server: { hmr: false, watch: null } });
