#!/usr/bin/env node
// `latchkey` from a source checkout: loads the TypeScript CLI through tsx's loader.
// (A packaged app ships the CLI compiled; this keeps `npx latchkey …` working here.)
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/index.ts');
