/** `latchkey inject` without its process wiring (tests pass a resolver double). */
import { chmod, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fillTemplate, templateSlots } from '../../core/references';
import { LatchkeyError } from '../../shared/errors';
import type { ReferenceResolver } from '../../main/proxy/resolver';

export async function injectTemplate(resolver: ReferenceResolver, input: string, output: string, warn: (line: string) => void): Promise<void> {
  let template: string;
  try {
    template = await readFile(input, 'utf8');
  } catch {
    throw new LatchkeyError('invalid_input', `The template ${input} cannot be read.`);
  }
  const slots = templateSlots(template);
  const values: string[] = [];
  for (const s of slots) values.push((await resolver.resolve(s.reference, `inject:${path.basename(output)}`)).value);
  // Created 0600 beside the target, then renamed over it: never a moment with wider permissions.
  const tmp = path.join(path.dirname(output), `.${path.basename(output)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', 0o600).catch(() => {
    throw new LatchkeyError('invalid_input', `The output ${output} cannot be written (is its folder writable?).`);
  });
  try {
    await fh.writeFile(fillTemplate(template, slots, values), 'utf8');
    await fh.close();
    await chmod(tmp, 0o600);
    await rename(tmp, output);
  } catch {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw new LatchkeyError('invalid_input', `The output ${output} cannot be written.`);
  }
  warn(`latchkey inject: ${output} holds ${slots.length} secret${slots.length === 1 ? '' : 's'} in the clear (owner-only, mode 0600). Delete it when you no longer need it.`);
}
