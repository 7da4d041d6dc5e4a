/**
 * A software FIDO2 authenticator (CTAP 2.1 subset) for tests: getInfo, ClientPIN with
 * protocols 1 and 2 (retry counter, 3-wrong-in-a-row power-cycle block, blocking at
 * zero), MakeCredential and GetAssertion with hmac-secret (separate secrets with and
 * without UV) and credProtect, user presence simulated ('auto' | 'never' | callback),
 * and an attestation statement per {@link SoftAttestation} ("none" by default; packed
 * full / self and fido-u2f with certificates from test/fido/attestation-ca.ts).
 * It answers CTAP2 requests (command byte + CBOR) with status byte + CBOR; CTAPHID
 * framing lives in soft-ctaphid.ts. Test code: correctness over speed.
 */
import { p256 } from '@noble/curves/nist.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { decode, encode } from 'cborg';
import { coseKeyFromPoint, pinProtocol, type PinProtocol } from '../../src/main/fido/pin-protocol';
import { freshState, stateFromJson, stateToJson, type SoftCredential, type SoftState } from './soft-state';

export const S = {
  OK: 0x00,
  INVALID_COMMAND: 0x01,
  INVALID_PARAMETER: 0x02,
  INVALID_CBOR: 0x12,
  MISSING_PARAMETER: 0x14,
  CREDENTIAL_EXCLUDED: 0x19,
  UNSUPPORTED_ALGORITHM: 0x26,
  UNSUPPORTED_OPTION: 0x2b,
  KEEPALIVE_CANCEL: 0x2d,
  NO_CREDENTIALS: 0x2e,
  USER_ACTION_TIMEOUT: 0x2f,
  NOT_ALLOWED: 0x30,
  PIN_INVALID: 0x31,
  PIN_BLOCKED: 0x32,
  PIN_AUTH_INVALID: 0x33,
  PIN_AUTH_BLOCKED: 0x34,
  PIN_NOT_SET: 0x35,
  PUAT_REQUIRED: 0x36,
  PIN_POLICY_VIOLATION: 0x37,
  INVALID_SUBCOMMAND: 0x3e,
  UNAUTHORIZED_PERMISSION: 0x40,
} as const;

export type Presence = 'auto' | 'never' | (() => Promise<boolean>);

/**
 * What MakeCredential attests with. `sign` holds the attestation private key (test CA
 * issued); packed signs authData ‖ clientDataHash, fido-u2f its verificationData.
 */
export type SoftAttestation =
  | { fmt: 'none' }
  | { fmt: 'packed-self' }
  | { fmt: 'packed'; alg: number; x5c: Uint8Array[]; sign(data: Uint8Array): Uint8Array }
  | { fmt: 'fido-u2f'; x5c: Uint8Array[]; sign(data: Uint8Array): Uint8Array };

/** A MakeCredential answer a hostile-key test rewrote: a map to encode, or raw body bytes. */
export type MakeCredentialRewrite = (answer: Map<number, unknown>) => Map<number, unknown> | Uint8Array;

export interface SoftAuthenticatorOptions {
  random: (n: number) => Uint8Array;
  /** Default [2, 1]; [1] simulates an older key. */
  pinProtocols?: number[];
  /** CTAP 2.1 pinUvAuthToken (permissions); false = 2.0 getPinToken only. */
  pinUvAuthToken?: boolean;
  hmacSecret?: boolean;
  presence?: Presence;
  /** How long 'never' waits before USER_ACTION_TIMEOUT (ms). */
  presenceTimeoutMs?: number;
  state?: string;
  attestation?: SoftAttestation;
}

class Fail extends Error {
  constructor(readonly status: number) {
    super(`ctap status 0x${status.toString(16)}`);
  }
}

type M = Map<unknown, unknown>;
const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;
const eq = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

export interface RequestHooks {
  /** Called with 'up-needed' while waiting for a touch. */
  status(s: 'processing' | 'up-needed'): void;
  cancelled(): boolean;
}

export class SoftAuthenticator {
  state: SoftState;
  presence: Presence;
  attestation: SoftAttestation;
  /** Hostile-key tests: rewrites the MakeCredential answer before it is sent. */
  rewriteMakeCredential: MakeCredentialRewrite | null = null;
  private readonly random: (n: number) => Uint8Array;
  private readonly protocols: number[];
  private readonly pinUvAuthToken: boolean;
  private readonly hmacSecret: boolean;
  private readonly presenceTimeoutMs: number;
  private kaKey: Uint8Array;
  private token: Uint8Array;
  private tokenPermissions = 0;
  private tokenRpId: string | null = null;
  private consecutiveWrong = 0;
  /** Counts requests by command byte (tests assert on probes). */
  readonly calls = new Map<number, number>();

  constructor(o: SoftAuthenticatorOptions) {
    this.random = o.random;
    this.protocols = o.pinProtocols ?? [2, 1];
    this.pinUvAuthToken = o.pinUvAuthToken ?? true;
    this.hmacSecret = o.hmacSecret ?? true;
    this.presence = o.presence ?? 'auto';
    this.attestation = o.attestation ?? { fmt: 'none' };
    this.presenceTimeoutMs = o.presenceTimeoutMs ?? 30_000;
    this.state = o.state ? stateFromJson(o.state) : freshState(o.random);
    this.kaKey = p256.utils.randomSecretKey(this.random(48));
    this.token = this.random(32);
  }

  serialize(): string {
    return stateToJson(this.state);
  }

  /** What a power cycle resets: key agreement key, PIN token, the 3-in-a-row block. */
  powerCycle(): void {
    this.kaKey = p256.utils.randomSecretKey(this.random(48));
    this.token = this.random(32);
    this.tokenPermissions = 0;
    this.consecutiveWrong = 0;
  }

  async handle(req: Uint8Array, hooks: RequestHooks): Promise<Uint8Array> {
    if (req.length === 0) return new Uint8Array([S.INVALID_COMMAND]);
    this.calls.set(req[0]!, (this.calls.get(req[0]!) ?? 0) + 1);
    try {
      let params: M = new Map();
      if (req.length > 1) {
        const d: unknown = decode(req.subarray(1), { useMaps: true, strict: true });
        if (!(d instanceof Map)) throw new Fail(S.INVALID_CBOR);
        params = d;
      }
      let body: unknown;
      switch (req[0]) {
        case 0x04:
          body = this.getInfo();
          break;
        case 0x06:
          body = this.clientPin(params);
          break;
        case 0x01:
          body = await this.makeCredential(params, hooks);
          break;
        case 0x02:
          body = await this.getAssertion(params, hooks);
          break;
        default:
          throw new Fail(S.INVALID_COMMAND);
      }
      const enc = body === undefined ? new Uint8Array(0) : body instanceof Uint8Array ? body : encode(body);
      return concatBytes(new Uint8Array([S.OK]), enc);
    } catch (e) {
      if (e instanceof Fail) return new Uint8Array([e.status]);
      return new Uint8Array([S.INVALID_CBOR]);
    }
  }

  private getInfo(): M {
    const options: Record<string, boolean> = { rk: false, up: true, plat: false, clientPin: this.state.pinHash !== null };
    if (this.pinUvAuthToken) options.pinUvAuthToken = true;
    const ext = ['credProtect', ...(this.hmacSecret ? ['hmac-secret'] : [])];
    return new Map<number, unknown>([
      [1, this.pinUvAuthToken ? ['FIDO_2_0', 'FIDO_2_1'] : ['FIDO_2_0']],
      [2, ext],
      [3, this.state.aaguid],
      [4, options],
      [5, 1200],
      [6, this.protocols],
    ]);
  }

  private proto(v: unknown): PinProtocol {
    const n = v === undefined ? 1 : v;
    if (typeof n !== 'number' || !this.protocols.includes(n)) throw new Fail(S.INVALID_PARAMETER);
    return pinProtocol(n);
  }

  private shared(proto: PinProtocol, cose: unknown): Uint8Array {
    if (!(cose instanceof Map)) throw new Fail(S.MISSING_PARAMETER);
    const x = cose.get(-2);
    const y = cose.get(-3);
    if (!isBytes(x) || !isBytes(y) || x.length !== 32 || y.length !== 32) throw new Fail(S.INVALID_PARAMETER);
    let z: Uint8Array;
    try {
      z = p256.getSharedSecret(this.kaKey, concatBytes(new Uint8Array([4]), x, y), true).slice(1);
    } catch {
      throw new Fail(S.INVALID_PARAMETER);
    }
    return proto.kdf(z);
  }

  private checkAuth(proto: PinProtocol, key: Uint8Array, msg: Uint8Array, auth: unknown): void {
    if (!isBytes(auth) || !eq(proto.authenticate(key, msg), auth)) throw new Fail(S.PIN_AUTH_INVALID);
  }

  private clientPin(p: M): M | undefined {
    const proto = this.proto(p.get(1));
    const sub = p.get(2);
    switch (sub) {
      case 1:
        return new Map([[3, this.state.pinRetries]]);
      case 2:
        return new Map<number, unknown>([[1, coseKeyFromPoint(p256.getPublicKey(this.kaKey, false))]]);
      case 3: {
        if (this.state.pinHash) throw new Fail(S.NOT_ALLOWED);
        const shared = this.shared(proto, p.get(3));
        const newPinEnc = p.get(5);
        if (!isBytes(newPinEnc)) throw new Fail(S.MISSING_PARAMETER);
        this.checkAuth(proto, shared, newPinEnc, p.get(4));
        const padded = proto.decrypt(shared, newPinEnc);
        if (padded.length !== 64) throw new Fail(S.PIN_POLICY_VIOLATION);
        const end = padded.indexOf(0);
        const pin = padded.subarray(0, end < 0 ? 64 : end);
        if (pin.length < 4) throw new Fail(S.PIN_POLICY_VIOLATION);
        this.state.pinHash = sha256(pin).slice(0, 16);
        this.state.pinRetries = 8;
        return undefined;
      }
      case 5:
      case 9: {
        if (sub === 9 && !this.pinUvAuthToken) throw new Fail(S.INVALID_SUBCOMMAND);
        if (!this.state.pinHash) throw new Fail(S.PIN_NOT_SET);
        if (this.state.pinRetries === 0) throw new Fail(S.PIN_BLOCKED);
        if (this.consecutiveWrong >= 3) throw new Fail(S.PIN_AUTH_BLOCKED);
        const shared = this.shared(proto, p.get(3));
        const enc = p.get(6);
        if (!isBytes(enc)) throw new Fail(S.MISSING_PARAMETER);
        const hash = proto.decrypt(shared, enc);
        if (!eq(hash, this.state.pinHash)) {
          this.state.pinRetries--;
          this.consecutiveWrong++;
          this.kaKey = p256.utils.randomSecretKey(this.random(48));
          if (this.state.pinRetries === 0) throw new Fail(S.PIN_BLOCKED);
          if (this.consecutiveWrong >= 3) throw new Fail(S.PIN_AUTH_BLOCKED);
          throw new Fail(S.PIN_INVALID);
        }
        this.state.pinRetries = 8;
        this.consecutiveWrong = 0;
        this.token = this.random(32);
        if (sub === 9) {
          const perms = p.get(9);
          if (typeof perms !== 'number' || perms === 0) throw new Fail(S.MISSING_PARAMETER);
          const rp = p.get(10);
          this.tokenPermissions = perms;
          this.tokenRpId = typeof rp === 'string' ? rp : null;
        } else {
          this.tokenPermissions = 0x03;
          this.tokenRpId = null;
        }
        return new Map([[2, proto.encrypt(shared, this.token, this.random)]]);
      }
      default:
        throw new Fail(S.INVALID_SUBCOMMAND);
    }
  }

  /** Verifies pinUvAuthParam over clientDataHash; true when UV was performed. */
  private verifyUv(p: M, cdh: Uint8Array, authKey: number, permission: number, rpId: string): boolean {
    const auth = p.get(authKey);
    if (auth === undefined) return false;
    const proto = this.proto(p.get(authKey + 1));
    this.checkAuth(proto, this.token, cdh, auth);
    if ((this.tokenPermissions & permission) === 0) throw new Fail(S.UNAUTHORIZED_PERMISSION);
    if (this.tokenRpId !== null && this.tokenRpId !== rpId) throw new Fail(S.UNAUTHORIZED_PERMISSION);
    return true;
  }

  private async userPresent(hooks: RequestHooks): Promise<void> {
    hooks.status('up-needed');
    if (this.presence === 'auto') return;
    if (this.presence === 'never') {
      const until = Date.now() + this.presenceTimeoutMs;
      while (Date.now() < until) {
        if (hooks.cancelled()) throw new Fail(S.KEEPALIVE_CANCEL);
        await new Promise((r) => setTimeout(r, 5));
      }
      throw new Fail(S.USER_ACTION_TIMEOUT);
    }
    if (!(await this.presence())) throw new Fail(S.USER_ACTION_TIMEOUT);
    if (hooks.cancelled()) throw new Fail(S.KEEPALIVE_CANCEL);
  }

  private authData(rpIdHash: Uint8Array, flags: number, rest: Uint8Array[]): Uint8Array {
    const count = new Uint8Array(4);
    new DataView(count.buffer).setUint32(0, ++this.state.signCount);
    return concatBytes(rpIdHash, new Uint8Array([flags]), count, ...rest);
  }

  private async makeCredential(p: M, hooks: RequestHooks): Promise<M | Uint8Array> {
    const cdh = p.get(1);
    const rp = p.get(2);
    const user = p.get(3);
    const algs = p.get(4);
    if (!isBytes(cdh) || !(rp instanceof Map) || !(user instanceof Map) || !Array.isArray(algs)) throw new Fail(S.MISSING_PARAMETER);
    const rpId = rp.get('id');
    if (typeof rpId !== 'string') throw new Fail(S.MISSING_PARAMETER);
    if (!algs.some((a) => a instanceof Map && a.get('alg') === -7)) throw new Fail(S.UNSUPPORTED_ALGORITHM);
    const rpIdHash = sha256(utf8ToBytes(rpId));
    const options = p.get(7);
    if (options instanceof Map && options.get('uv') === true) throw new Fail(S.UNSUPPORTED_OPTION);
    const uv = this.verifyUv(p, cdh, 8, 0x01, rpId);
    if (!uv && this.state.pinHash) throw new Fail(S.PUAT_REQUIRED);
    const exclude = p.get(5);
    if (Array.isArray(exclude)) {
      for (const e of exclude) {
        const id = e instanceof Map ? e.get('id') : undefined;
        if (isBytes(id) && this.state.credentials.some((c) => eq(c.id, id) && eq(c.rpIdHash, rpIdHash))) {
          await this.userPresent(hooks);
          throw new Fail(S.CREDENTIAL_EXCLUDED);
        }
      }
    }
    const ext = p.get(6);
    const wantHmac = ext instanceof Map && ext.get('hmac-secret') === true && this.hmacSecret;
    const cp = ext instanceof Map ? ext.get('credProtect') : undefined;
    const credProtect = typeof cp === 'number' && cp >= 1 && cp <= 3 ? cp : 1;
    await this.userPresent(hooks);
    const cred: SoftCredential = {
      id: this.random(48),
      rpIdHash,
      privateKey: p256.utils.randomSecretKey(this.random(48)),
      credRandomWithUv: this.random(32),
      credRandomWithoutUv: this.random(32),
      credProtect,
    };
    this.state.credentials.push(cred);
    const cose = encode(
      new Map<number, unknown>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, p256.getPublicKey(cred.privateKey, false).slice(1, 33)],
        [-3, p256.getPublicKey(cred.privateKey, false).slice(33)],
      ]),
    );
    const extOut = new Map<string, unknown>();
    if (wantHmac) extOut.set('hmac-secret', true);
    if (typeof cp === 'number') extOut.set('credProtect', credProtect);
    const idLen = new Uint8Array([cred.id.length >> 8, cred.id.length & 0xff]);
    const flags = 0x01 | (uv ? 0x04 : 0) | 0x40 | (extOut.size ? 0x80 : 0);
    const ad = this.authData(rpIdHash, flags, [this.state.aaguid, idLen, cred.id, cose, ...(extOut.size ? [encode(extOut)] : [])]);
    const pub = p256.getPublicKey(cred.privateKey, false);
    const [fmt, stmt] = this.attest(ad, cdh, rpIdHash, cred, pub);
    const answer = new Map<number, unknown>([
      [1, fmt],
      [2, ad],
      [3, stmt],
    ]);
    return this.rewriteMakeCredential ? this.rewriteMakeCredential(answer) : answer;
  }

  /** The attestation statement (WebAuthn §8.2 packed, §8.6 fido-u2f, §8.7 none). */
  private attest(ad: Uint8Array, cdh: Uint8Array, rpIdHash: Uint8Array, cred: SoftCredential, pub: Uint8Array): [string, Map<string, unknown>] {
    const a = this.attestation;
    switch (a.fmt) {
      case 'none':
        return ['none', new Map()];
      case 'packed-self':
        return [
          'packed',
          new Map<string, unknown>([
            ['alg', -7],
            ['sig', p256.sign(concatBytes(ad, cdh), cred.privateKey, { format: 'der' })],
          ]),
        ];
      case 'packed':
        return [
          'packed',
          new Map<string, unknown>([
            ['alg', a.alg],
            ['sig', a.sign(concatBytes(ad, cdh))],
            ['x5c', a.x5c],
          ]),
        ];
      case 'fido-u2f': {
        const data = concatBytes(new Uint8Array([0]), rpIdHash, cdh, cred.id, pub);
        return [
          'fido-u2f',
          new Map<string, unknown>([
            ['sig', a.sign(data)],
            ['x5c', a.x5c],
          ]),
        ];
      }
    }
  }

  private async getAssertion(p: M, hooks: RequestHooks): Promise<M> {
    const rpId = p.get(1);
    const cdh = p.get(2);
    if (typeof rpId !== 'string' || !isBytes(cdh)) throw new Fail(S.MISSING_PARAMETER);
    const rpIdHash = sha256(utf8ToBytes(rpId));
    const options = p.get(5);
    const up = !(options instanceof Map && options.get('up') === false);
    if (options instanceof Map && options.get('uv') === true) throw new Fail(S.UNSUPPORTED_OPTION);
    const uv = this.verifyUv(p, cdh, 6, 0x02, rpId);
    const allow = p.get(3);
    const ids = Array.isArray(allow) ? allow.map((e) => (e instanceof Map ? e.get('id') : undefined)).filter(isBytes) : [];
    const cred = this.state.credentials.find((c) => eq(c.rpIdHash, rpIdHash) && ids.some((id) => eq(id, c.id)) && (c.credProtect < 3 || uv));
    if (!cred) throw new Fail(S.NO_CREDENTIALS);
    const ext = p.get(4);
    const hs = ext instanceof Map ? ext.get('hmac-secret') : undefined;
    let hmacOut: Uint8Array | undefined;
    if (hs instanceof Map && this.hmacSecret) {
      const proto = this.proto(hs.get(4));
      const shared = this.shared(proto, hs.get(1));
      const saltEnc = hs.get(2);
      if (!isBytes(saltEnc)) throw new Fail(S.MISSING_PARAMETER);
      this.checkAuth(proto, shared, saltEnc, hs.get(3));
      const salts = proto.decrypt(shared, saltEnc);
      if (salts.length !== 32 && salts.length !== 64) throw new Fail(S.INVALID_PARAMETER);
      const r = uv ? cred.credRandomWithUv : cred.credRandomWithoutUv;
      const outs = [hmac(sha256, r, salts.subarray(0, 32))];
      if (salts.length === 64) outs.push(hmac(sha256, r, salts.subarray(32)));
      hmacOut = proto.encrypt(shared, concatBytes(...outs), this.random);
    }
    if (up) await this.userPresent(hooks);
    const extOut = hmacOut && up ? encode(new Map([['hmac-secret', hmacOut]])) : undefined;
    const flags = (up ? 0x01 : 0) | (uv ? 0x04 : 0) | (extOut ? 0x80 : 0);
    const ad = this.authData(rpIdHash, flags, extOut ? [extOut] : []);
    const sig = p256.sign(concatBytes(ad, cdh), cred.privateKey, { format: 'der' });
    return new Map<number, unknown>([
      [1, { id: cred.id, type: 'public-key' }],
      [2, ad],
      [3, sig],
      [5, 1],
    ]);
  }
}
