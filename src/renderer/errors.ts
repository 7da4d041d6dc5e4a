/** Turns anything a call threw into the text a person sees: a LatchkeyError's message as is. */
import { isLatchkeyError } from '../shared/errors';

export function errorText(err: unknown): string {
  if (isLatchkeyError(err)) return err.message;
  return 'Something went wrong. Try again; if it keeps happening, restart Latchkey.';
}
