/**
 * References inside text: environment files for `latchkey run --env-file` and templates
 * for `latchkey inject` (docs/references.md "In files").
 */
import { LatchkeyError } from '../../shared/errors';
import { parseReference, type SecretReference } from './reference';

/** One `{{ latchkey://… }}` in a template, by position. */
interface TemplateSlot {
  readonly start: number;
  readonly end: number;
  readonly reference: SecretReference;
}

/** Every `{{ ref }}` (spaces inside the braces optional); a `{{ latchkey:` that does not parse is an error, not text. */
export function templateSlots(template: string): TemplateSlot[] {
  const slots: TemplateSlot[] = [];
  const re = /\{\{\s*(latchkey:[^\s{}]*)\s*\}\}/gi;
  for (const m of template.matchAll(re)) slots.push({ start: m.index, end: m.index + m[0].length, reference: parseReference(m[1]!) });
  const opened = (template.match(/\{\{\s*latchkey:/gi) ?? []).length;
  if (opened !== slots.length)
    throw new LatchkeyError('invalid_input', 'The template has a "{{ latchkey:" that is not closed by "}}" or holds a space or brace inside the reference.');
  return slots;
}

/** The template with each slot replaced by `values[i]` (same order as templateSlots). */
export function fillTemplate(template: string, slots: readonly TemplateSlot[], values: readonly string[]): string {
  let out = '';
  let at = 0;
  slots.forEach((s, i) => {
    out += template.slice(at, s.start) + values[i]!;
    at = s.end;
  });
  return out + template.slice(at);
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `NAME=latchkey://…` lines; blank lines and `#` comments skipped; values not references pass through. */
export function parseEnvFile(text: string): Array<{ name: string; value: string; reference: SecretReference | null }> {
  const out: Array<{ name: string; value: string; reference: SecretReference | null }> = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const name =
      eq < 0
        ? ''
        : line
            .slice(0, eq)
            .replace(/^export\s+/, '')
            .trim();
    if (!ENV_NAME.test(name))
      throw new LatchkeyError('invalid_input', `Line ${i + 1} of the environment file is not NAME=value (names: letters, digits and _, not starting with a digit).`);
    let value = line.slice(eq + 1).trim();
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1);
    out.push({ name, value, reference: /^latchkey:/i.test(value) ? parseReference(value) : null });
  });
  return out;
}

/** `NAME=ref` of `--env`. */
export function parseEnvArg(arg: string): { name: string; reference: SecretReference } {
  const eq = arg.indexOf('=');
  const name = eq < 0 ? '' : arg.slice(0, eq);
  if (!ENV_NAME.test(name)) throw new LatchkeyError('invalid_input', `--env takes NAME=latchkey://<vault>/<item>/<field>; "${arg.slice(0, 64)}" has no valid NAME before "=".`);
  return { name, reference: parseReference(arg.slice(eq + 1)) };
}
