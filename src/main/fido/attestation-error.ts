/**
 * Why a new security key was refused under a policy that restricts authenticators.
 * Code 'policy_forbidden' (the UI already explains those as the organisation's
 * decision); `details.reason` names the failed check for programs and tests, and
 * `details.rule` the policy field. Messages are plain words: no field names, no device
 * bytes, no certificate contents beyond what the person could read on the key's box.
 */
import { LatchkeyError } from '../../shared/errors';
import type { PolicyField } from '../../shared/policy';

export type AttestationFailure =
  /** The policy names models or makers but no certificate to check them against. */
  | 'no_roots'
  /** The key made no attestation ("none"). */
  | 'no_attestation'
  /** A format Latchkey does not verify (tpm, android-key, apple, …). */
  | 'unsupported_format'
  /** Packed self attestation: signed with the credential's own key, proves no model. */
  | 'self_attestation'
  /** The statement or a certificate does not have the required shape. */
  | 'malformed'
  /** A certificate breaks the attestation-certificate rules (WebAuthn §8.2.1). */
  | 'certificate'
  /** The statement's signature does not verify, or uses another algorithm than its key. */
  | 'bad_signature'
  /** The certificates do not lead to a root the policy pins, or one is expired / not yet valid. */
  | 'untrusted'
  /** The certificate's AAGUID and the one in the key's data differ. */
  | 'aaguid_mismatch'
  /** A fido-u2f certificate names no model, and the policy lists models. */
  | 'model_unknown'
  /** Verified, but the model is not on the policy's list. */
  | 'model_not_allowed';

const ASK = 'Ask your IT team which security keys are approved.';

const MESSAGES: Record<AttestationFailure, (org: string) => string> = {
  no_roots: (org) =>
    `This security key cannot be added: ${org} only allows approved security key models, but its policy names no trusted makers to check a key against. Ask your IT team.`,
  no_attestation: (org) => `This security key did not say who made it, so it cannot be checked — ${org} only allows approved security key models. ${ASK}`,
  unsupported_format: (org) => `This security key proves who made it in a way Latchkey cannot check — ${org} only allows approved security key models. ${ASK}`,
  self_attestation: (org) => `This security key vouches only for itself, not through its maker — ${org} only allows approved security key models. ${ASK}`,
  malformed: (org) => `This security key's proof of who made it is damaged or incomplete, so it cannot be checked — ${org} only allows approved security key models. ${ASK}`,
  certificate: (org) => `This security key's maker certificate does not meet the rules for security keys — ${org} only allows approved security key models. ${ASK}`,
  bad_signature: (org) => `This security key's proof of who made it does not match the key — it may be counterfeit. ${org} only allows approved security key models. ${ASK}`,
  untrusted: (org) => `This security key's maker could not be verified — ${org} only allows security keys from makers it trusts. ${ASK}`,
  aaguid_mismatch: (org) =>
    `This security key claims to be a different model than its maker certified — it may be counterfeit. ${org} only allows approved security key models. ${ASK}`,
  model_unknown: (org) => `This security key's maker does not say which model it is — ${org} only allows approved security key models. ${ASK}`,
  model_not_allowed: (org) => `This security key model is not one ${org} approves. ${ASK}`,
};

export class AttestationRefused extends LatchkeyError {
  constructor(
    readonly reason: AttestationFailure,
    org: string,
    rule: PolicyField = reason === 'model_not_allowed' || reason === 'model_unknown' ? 'unlock.allowedAaguids' : 'unlock.attestationRoots',
  ) {
    super('policy_forbidden', MESSAGES[reason](org), { rule, org, reason });
  }
}
