/** Runs the CLI from its TypeScript sources (what bin/deadscope.mjs does without a fresh bundle). */
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2));
