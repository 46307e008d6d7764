#!/usr/bin/env node
// The `crossvpc` command. Loads the TypeScript sources through tsx's ESM loader (no build step).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
