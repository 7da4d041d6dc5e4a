/**
 * The echo guard (issue 10 item 2): a destination that sends the injected credential
 * back — in any form the scrubber knows, every view on — has reflected it, and will do
 * so again. The tool then withholds the whole body (status and a note only: a reflected
 * secret next to everything else the host sent cannot be trusted to be the only copy),
 * records `echo_detected`, and marks the credential + destination so that its next use
 * needs a fresh approval whatever the grant says, the prompt saying this host echoed it.
 *
 * Main holds the injected secret for this one invocation anyway (it just sent it), so
 * the check runs here with a one-secret Scrubber; the vault-wide scrub still follows.
 */
import { Scrubber } from '../../../core/scrub/scrubber';

export const ECHO_WARNING = 'Last time, this host sent the credential back in its response (Latchkey withheld that response). Allow it again only if you trust this destination.';

export class EchoLedger {
  private readonly echoed = new Set<string>();

  private key(itemId: string, destination: string): string {
    return `${itemId}\n${destination}`;
  }

  mark(itemId: string, destination: string): void {
    this.echoed.add(this.key(itemId, destination));
  }

  /** The prompt's warning when this pair echoed before, else null. */
  warning(itemId: string, destination: string): string | null {
    return this.echoed.has(this.key(itemId, destination)) ? ECHO_WARNING : null;
  }

  /** The person approved again, knowing: the next use follows the grant again. */
  clear(itemId: string, destination: string): void {
    this.echoed.delete(this.key(itemId, destination));
  }
}

/** True when any text holds `secret` in any form (raw, encoded, escaped, spaced, reversed…; a cut text's trailing prefix too). */
export function holdsSecret(secret: string, texts: ReadonlyArray<{ readonly text: string; readonly truncated?: boolean }>): boolean {
  const scrubber = new Scrubber([secret]);
  return texts.some((t) => scrubber.contains(t.text, { truncated: t.truncated === true }));
}
