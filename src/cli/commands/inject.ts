/**
 * `latchkey inject -i template -o file` (docs/references.md "In files"): every
 * `{{ latchkey://… }}` resolved and the result written with owner-only permissions
 * (0600, replaced atomically), with a warning that the file now holds secrets.
 */
import { parseArgs } from 'node:util';
import { LatchkeyError } from '../../shared/errors';
import { connectApp } from './app-resolver';
import { injectTemplate } from './inject-core';

export const summary = 'fill latchkey:// references in a template into an owner-only file';
const USAGE = 'usage: latchkey inject -i TEMPLATE -o OUTPUT';

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { in: { type: 'string', short: 'i' }, out: { type: 'string', short: 'o' } }, strict: true }));
  } catch {
    process.stderr.write(USAGE + '\n');
    return 2;
  }
  if (values.in === undefined || values.out === undefined) {
    process.stderr.write(USAGE + '\n');
    return 2;
  }
  let app;
  try {
    app = await connectApp();
    await injectTemplate(app.resolver, values.in, values.out, (line) => process.stderr.write(line + '\n'));
    return 0;
  } catch (err) {
    if (!(err instanceof LatchkeyError)) throw err;
    process.stderr.write(`latchkey inject: ${err.message}\n`);
    return 1;
  } finally {
    app?.close();
  }
}
