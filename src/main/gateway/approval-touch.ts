/**
 * The person's security key as the gateway's approver (touch to approve): enrolment of
 * an approval credential, and one assertion per approved request. Wraps the FIDO
 * service (src/main/fido, CTAP2 over HID; the software key in tests) and converts its
 * bytes to the receipt's base64url members. The gateway checks every assertion itself
 * (receipts.ts), so this adapter is not trusted to say yes.
 */
import { randomBytes } from 'node:crypto';
import type { ApprovalKey } from '../../shared/contracts/approval-receipt';
import { decodeBase64urlOrNull, toBase64url } from '../../shared/encoding/base64url';
import { LatchkeyError } from '../../shared/errors';
import type { FidoService } from '../fido/service';
import type { ReceiptTouch } from './receipts';

export interface ApprovalAuthenticator {
  /** MakeCredential for approvals; `exclude`: credentials already enrolled (base64url). */
  enrol(input: { readonly exclude: readonly string[]; readonly uv: boolean }): Promise<ApprovalKey>;
  /** One assertion over `clientDataHash` by one of `credentialIds` (base64url). */
  assert(input: { readonly credentialIds: readonly string[]; readonly clientDataHash: Uint8Array; readonly uv: boolean; readonly signal?: AbortSignal }): Promise<ReceiptTouch>;
}

function idBytes(id: string): Uint8Array {
  const b = decodeBase64urlOrNull(id);
  if (!b) throw new LatchkeyError('integrity', 'A stored approval key has a malformed credential id.');
  return b;
}

export function fidoApprovalAuthenticator(fido: Pick<FidoService, 'enrolApproval' | 'approve'>, userName = 'Latchkey approvals'): ApprovalAuthenticator {
  return {
    enrol: ({ exclude, uv }) => fido.enrolApproval({ userId: randomBytes(16), userName, exclude: exclude.map(idBytes), uv }),
    async assert({ credentialIds, clientDataHash, uv, signal }) {
      // Not cancelled on the call's abort: the service cancels by operation, and cancelling
      // all could stop the person's unlock. An abandoned touch ends at the touch timeout.
      if (signal?.aborted === true) throw new LatchkeyError('cancelled', 'The call was cancelled before the security key was asked.');
      const a = await fido.approve({ credentialIds: credentialIds.map(idBytes), clientDataHash, uv });
      return { credentialId: toBase64url(a.credentialId), authenticatorData: toBase64url(a.authenticatorData), signature: toBase64url(a.signature) };
    },
  };
}
