/**
 * How `latchkey run` and `latchkey inject` get a reference's value: from the engine,
 * under the same grant, approval, policy and signed audit as any use
 * (docs/references.md "Resolution"). The CLI reaches it through the running app.
 */
import type { SecretReference } from '../../core/references';

export interface ResolvedSecret {
  readonly itemId: string;
  readonly name: string;
  /** Never logged, never in a record. */
  readonly value: string;
  /** The item's destination rules (where the proxy may put it). */
  readonly rules: readonly string[];
}

export interface ReferenceResolver {
  /** `purpose`: 'run:<argv0>' or 'inject:<file name>', shown in the approval prompt and recorded. */
  resolve(ref: SecretReference, purpose: string): Promise<ResolvedSecret>;
}
