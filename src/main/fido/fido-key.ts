/**
 * One opened security key: getInfo, PIN handling and the two hmac-secret operations,
 * with the decisions that bite made in one place:
 * - which PIN/UV protocol (2 before 1), and whether to ask for a PIN or use built-in UV;
 * - a PIN token with permissions where the key offers them (2.1), else getPinToken (2.0);
 * - the UV flag of an assertion must match what the slot enrolled with, else the key
 *   used its other hmac secret and the slot would silently not open.
 */
import { HARDWARE_KEY_RP_ID, type DeviceInfo, type UvPreference } from '../../shared/contracts/hardware-key';
import type { AttestationRequirement } from '../../core/policy';
import { LatchkeyError, isLatchkeyError } from '../../shared/errors';
import { verifyAttestation } from './attestation';
import { getPinRetries, getPinToken, PERMISSION, setPin } from './client-pin';
import { aaguidText, capabilities, Ctap2Client, CtapStatusError, STATUS, type KeyCapabilities } from './ctap2';
import { CtapHidDevice, type KeepaliveStatus } from './ctaphid';
import { getApprovalAssertion, makeApprovalCredential, type ApprovalAssertion } from './approval-assertion';
import type { ApprovalKey } from '../../shared/contracts/approval-receipt';
import { findCredential, getHmacSecretOutput, makeHmacCredential, prfSalt, type Verification } from './hmac-secret';
import { pinProtocol, type PinProtocol } from './pin-protocol';
import type { FidoTransport } from './transport';

export interface PinRequest {
  retriesLeft: number;
  /** true after a wrong PIN. */
  retry: boolean;
}

export interface OperationHooks {
  /** Resolves with the PIN, or null when the person cancels. */
  askPin(req: PinRequest): Promise<string | null>;
  onKeepalive?(status: KeepaliveStatus): void;
  signal?: AbortSignal;
  /** How long the person has to touch the key, ms. */
  touchTimeoutMs?: number;
  /**
   * One PIN token kept from enrolment for the hmac-secret call that follows it, so the
   * person types the PIN once. Single use: `take` removes it.
   */
  tokenCache?: { take(): { proto: number; token: Uint8Array } | undefined; put(proto: number, token: Uint8Array): void };
}

export interface FidoKeyOptions {
  random: (n: number) => Uint8Array;
  rpId?: string;
  /** CTAPHID timing (tests shorten them). */
  shortTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export class FidoKey {
  private constructor(
    private readonly client: Ctap2Client,
    private readonly caps: KeyCapabilities,
    private readonly opts: FidoKeyOptions & { rpId: string },
    readonly rawInfo: Awaited<ReturnType<Ctap2Client['getInfo']>>,
  ) {}

  static async open(transport: FidoTransport, opts: FidoKeyOptions): Promise<FidoKey> {
    let hid: CtapHidDevice | undefined;
    try {
      hid = await CtapHidDevice.open(transport, {
        random: opts.random,
        ...(opts.shortTimeoutMs === undefined ? {} : { shortTimeoutMs: opts.shortTimeoutMs }),
        ...(opts.sleep === undefined ? {} : { sleep: opts.sleep }),
      });
      const client = new Ctap2Client(hid);
      const info = await client.getInfo();
      return new FidoKey(client, capabilities(info), { ...opts, rpId: opts.rpId ?? HARDWARE_KEY_RP_ID }, info);
    } catch (e) {
      if (hid) await hid.close();
      else await transport.close();
      throw e;
    }
  }

  close(): Promise<void> {
    return this.client.hid.close();
  }

  get capabilities(): KeyCapabilities {
    return this.caps;
  }

  private proto(): PinProtocol {
    const v = this.caps.pinProtocols[0];
    if (v === undefined) throw new LatchkeyError('fido_no_hmac_secret', 'This security key offers no PIN/UV protocol, which hmac-secret needs.');
    return pinProtocol(v);
  }

  async info(): Promise<DeviceInfo> {
    const c = this.caps;
    const out: DeviceInfo = {
      aaguid: aaguidText(this.rawInfo['3']),
      versions: [...this.rawInfo['1']],
      hmacSecret: c.hmacSecret,
      credProtect: c.credProtect,
      clientPin: c.clientPin,
      uv: c.uv,
      pinProtocols: [...c.pinProtocols],
    };
    if (c.clientPin === true) out.pinRetries = await getPinRetries(this.client, this.proto());
    return out;
  }

  async setPin(pin: string): Promise<void> {
    if (this.caps.clientPin === null) throw new LatchkeyError('unsupported', 'This security key does not support a PIN.');
    if (this.caps.clientPin) throw new LatchkeyError('conflict', 'This security key already has a PIN.');
    await setPin(this.client, this.proto(), pin, this.opts.random);
    await this.client.getInfo(true);
    (this.caps as { clientPin: boolean | null }).clientPin = true;
  }

  /** Whether UV will be performed for a preference (before asking for anything). */
  willVerify(pref: UvPreference): boolean {
    if (pref === 'discouraged') return false;
    if (this.caps.clientPin === true || this.caps.uv === true) return true;
    if (pref === 'required') {
      throw new LatchkeyError('fido_pin_required', 'This security key has no PIN or fingerprint set up. Set a PIN on it first.');
    }
    return false;
  }

  /** PIN token (prompting, re-prompting after a wrong PIN) or built-in UV. Caller wipes a token. */
  private async verification(verify: boolean, permissions: number, hooks: OperationHooks): Promise<Verification> {
    if (!verify) return { kind: 'none' };
    if (this.caps.clientPin !== true) return { kind: 'builtin' };
    const proto = this.proto();
    let retry = false;
    for (;;) {
      const retriesLeft = await getPinRetries(this.client, proto);
      if (retriesLeft === 0)
        throw new LatchkeyError('fido_pin_blocked', 'The security key PIN is blocked after too many wrong tries. The key must be reset, which erases its credentials.');
      const pin = await hooks.askPin({ retriesLeft, retry });
      if (pin === null) {
        // After a wrong PIN, giving up reports the wrong PIN (and what is left), not a bare cancel.
        if (retry)
          throw new LatchkeyError('fido_pin_invalid', `Wrong PIN for the security key. ${retriesLeft} ${retriesLeft === 1 ? 'try' : 'tries'} left before it locks.`, {
            retriesLeft,
          });
        throw new LatchkeyError('cancelled', 'PIN entry was cancelled.');
      }
      try {
        const token = await getPinToken(this.client, proto, pin, { permissions, rpId: this.opts.rpId, withPermissions: this.caps.pinUvAuthToken }, this.opts.random);
        return { kind: 'pin', proto, token };
      } catch (e) {
        if (!isLatchkeyError(e, 'fido_pin_invalid')) throw e;
        retry = true;
      }
    }
  }

  /**
   * MakeCredential; with `attestation` (policy restricts authenticators) the statement
   * is verified and the AAGUID returned is the one its certificate vouches for. A
   * refused key keeps nothing: the credential is not resident (rk false), so the key
   * holds no state for it, and no PIN token is kept.
   */
  async enrol(
    input: { userId: Uint8Array; userName: string; exclude: Uint8Array[]; uv: UvPreference; attestation?: { requirement: AttestationRequirement; now: Date } },
    hooks: OperationHooks,
  ) {
    if (!this.caps.hmacSecret) throw new LatchkeyError('fido_no_hmac_secret', 'This security key does not support hmac-secret, which Latchkey needs to unlock a vault.');
    const verify = this.willVerify(input.uv);
    // A 2.0 key with a PIN set requires it for makeCredential even when UV is not wanted later.
    const v = await this.verification(verify || this.caps.clientPin === true, PERMISSION.makeCredential | PERMISSION.getAssertion, hooks);
    let keep = false;
    try {
      const made = await makeHmacCredential(
        this.client,
        { rpId: this.opts.rpId, userId: input.userId, userName: input.userName, exclude: input.exclude, verification: v, credProtect: this.caps.credProtect },
        this.opts.random,
        this.txOptions(hooks),
      );
      const proven = input.attestation
        ? await verifyAttestation(
            made.attestation,
            { rpIdHash: made.rpIdHash, aaguid: made.aaguid, credentialId: made.credentialId, credentialPublicKey: made.credentialPublicKey },
            input.attestation.requirement,
            input.attestation.now,
          )
        : null;
      if (v.kind === 'pin' && verify && hooks.tokenCache) {
        hooks.tokenCache.put(v.proto.version, v.token);
        keep = true;
      }
      return { credentialId: made.credentialId, aaguid: aaguidText(proven ? proven.aaguid : made.aaguid), uv: verify };
    } finally {
      if (v.kind === 'pin' && !keep) v.token.fill(0);
    }
  }

  /** Silent probe: which of the ids is on this key (null = none; no touch needed). */
  findCredential(ids: Uint8Array[]): Promise<Uint8Array | null> {
    return findCredential(this.client, this.opts.rpId, ids, this.opts.random);
  }

  /** hmac-secret of one of `credentialIds` for PRF input `salt`, with or without UV. */
  async hmacSecret(input: { credentialIds: Uint8Array[]; salt: Uint8Array; uv: boolean }, hooks: OperationHooks): Promise<{ credentialId: Uint8Array; secret: Uint8Array }> {
    if (!this.caps.hmacSecret) throw new LatchkeyError('fido_no_hmac_secret', 'This security key does not support hmac-secret.');
    const credentialId = await this.findCredential(input.credentialIds);
    if (!credentialId) throw new LatchkeyError('fido_not_enrolled', 'This security key is not enrolled in this vault. Try another key.');
    if (input.uv && this.caps.clientPin !== true && this.caps.uv !== true) {
      throw new LatchkeyError('fido_pin_required', 'This key was enrolled with its PIN, but it has no PIN now. It was probably reset; use another way in.');
    }
    const salt = prfSalt(input.salt);
    const cached = input.uv && this.caps.clientPin === true ? hooks.tokenCache?.take() : undefined;
    let v: Verification = cached ? { kind: 'pin', proto: pinProtocol(cached.proto), token: cached.token } : { kind: 'none' };
    try {
      const ask = (ver: Verification) =>
        getHmacSecretOutput(
          this.client,
          { rpId: this.opts.rpId, credentialId, salt, proto: ver.kind === 'pin' ? ver.proto : this.proto(), verification: ver },
          this.opts.random,
          this.txOptions(hooks),
        );
      let out: { secret: Uint8Array; uv: boolean } | undefined;
      if (cached) {
        try {
          out = await ask(v);
        } catch (e) {
          // The key expired or replaced the kept token: fall back to asking for the PIN.
          if (!(e instanceof CtapStatusError && (e.status === STATUS.PIN_AUTH_INVALID || e.status === STATUS.UNAUTHORIZED_PERMISSION))) throw e;
          cached.token.fill(0);
        }
      }
      if (!out) {
        v = await this.verification(input.uv, PERMISSION.getAssertion, hooks);
        out = await ask(v);
      }
      if (out.uv !== input.uv) {
        out.secret.fill(0);
        throw new LatchkeyError('fido_device', 'The security key verified the person differently than at enrolment; the secret would not match.', { reason: 'uv_mismatch' });
      }
      return { credentialId, secret: out.secret };
    } finally {
      salt.fill(0);
      if (v.kind === 'pin') v.token.fill(0);
    }
  }

  /** A signing credential to approve requests with (touch to approve); its public key comes back to be published. */
  async enrolApproval(input: { userId: Uint8Array; userName: string; exclude: Uint8Array[]; uv: boolean }, hooks: OperationHooks): Promise<ApprovalKey> {
    // A 2.0 key with a PIN set requires it for makeCredential even when UV is not wanted later.
    const v = await this.verification(input.uv || this.caps.clientPin === true, PERMISSION.makeCredential, hooks);
    try {
      return await makeApprovalCredential(
        this.client,
        { userId: input.userId, userName: input.userName, exclude: input.exclude, verification: v },
        this.opts.random,
        this.txOptions(hooks),
      );
    } finally {
      if (v.kind === 'pin') v.token.fill(0);
    }
  }

  /** One touch over a request's clientDataHash; with `uv`, the person is verified too (PIN or built-in). */
  async approve(input: { credentialIds: Uint8Array[]; clientDataHash: Uint8Array; uv: boolean }, hooks: OperationHooks): Promise<ApprovalAssertion> {
    if (input.uv) this.willVerify('required');
    const v = await this.verification(input.uv, PERMISSION.getAssertion, hooks);
    try {
      return await getApprovalAssertion(this.client, { credentialIds: input.credentialIds, clientDataHash: input.clientDataHash, verification: v }, this.txOptions(hooks));
    } finally {
      if (v.kind === 'pin') v.token.fill(0);
    }
  }

  private txOptions(hooks: OperationHooks) {
    return {
      timeoutMs: hooks.touchTimeoutMs ?? 30_000,
      ...(hooks.onKeepalive ? { onKeepalive: hooks.onKeepalive } : {}),
      ...(hooks.signal ? { signal: hooks.signal } : {}),
    };
  }
}
