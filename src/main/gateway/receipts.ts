/**
 * Approval receipts, gateway side (docs/gateway.md §16, docs/audit-format.md §1.5).
 * http_request is described below; run_command by its program, argv, env names and cwd,
 * redeemed right before the child is spawned; downstream by server, tool and arguments.
 *
 * At approval time the gateway describes the request it is about to send — credential,
 * agent, tool, method, origin, and SHA-256 of the full URL, of the agent's headers and of
 * the body — under a fresh 16-byte nonce, and issues a receipt for that digest (with the
 * security key's assertion over it when the credential needs a touch). Just before the
 * secret is placed, `redeem` describes the request again FROM WHAT IS ACTUALLY SENT and
 * lets it through only if the digest is the receipt's, the nonce was issued here and not
 * used yet, and a touch (when needed) verifies against an enrolled key. So an approval of
 * one request cannot carry another body, URL, method or credential, nor a second use.
 */
import { createHash, randomBytes } from 'node:crypto';
import { approvalClientDataHash, approvalRequestDigest, checkTouch, envNamesHash, headersHash, jcsHash } from '../../core/audit/receipt';
import type { JsonValue } from '../../core/audit/jcs';
import { APPROVAL_REQUEST_VERSION, type ApprovalKey, type ApprovalReceipt, type ApprovalRequest } from '../../shared/contracts/approval-receipt';
import { LatchkeyError } from '../../shared/errors';

/** The request as the gateway sends it (before the credential is placed in it). */
export type SentRequest = SentHttpRequest | SentRun | SentDownstreamCall;

/** A request's tool-specific part: what a tool hands authorizeUse (the credential and agent are added there). */
export type SentPart = SentRequest extends infer T ? (T extends SentRequest ? Omit<T, 'itemId' | 'agent'> : never) : never;

/** A child run_command spawns, as spawn is handed it. */
export interface SentRun {
  readonly itemId: string;
  readonly agent: string;
  readonly tool: 'run_command';
  /** The program's base name (the record's target.command). */
  readonly command: string;
  /** spawn's argv: the program as the agent named it, then its arguments. */
  readonly argv: readonly string[];
  /** The environment variables this credential goes into. */
  readonly envNames: readonly string[];
  readonly cwd?: string;
}

/** A downstream tool call as forwarded (and each credential the server is given for it). */
export interface SentDownstreamCall {
  readonly itemId?: string;
  readonly agent: string;
  readonly tool: 'downstream';
  readonly server: string;
  readonly serverTool: string;
  readonly arguments: Readonly<Record<string, JsonValue>>;
}

export interface SentHttpRequest {
  readonly itemId: string;
  readonly agent: string;
  readonly tool: 'http_request';
  readonly method: string;
  /** The full destination URL (no fragment). */
  readonly url: URL;
  /** The agent's headers, names lower-cased (inject.ts agentHeaders). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
}

export type ReceiptTouch = NonNullable<ApprovalReceipt['touch']>;
export type ReceiptGrant = NonNullable<ApprovalReceipt['grant']>;

/** The person's security key, for touches to approve (main/fido approval-touch.ts; the software key in tests). */
export interface ApprovalTouch {
  /** Approval keys enrolled on this device (each published in the log by an approval_key.add record). */
  keys(): readonly ApprovalKey[];
  /** One assertion over `clientDataHash` by one of the enrolled credentials: user presence, and UV when asked. */
  assert(input: { readonly credentialIds: readonly string[]; readonly clientDataHash: Uint8Array; readonly uv: boolean; readonly signal?: AbortSignal }): Promise<ReceiptTouch>;
}

export interface PreparedRequest {
  readonly request: ApprovalRequest;
  readonly digest: string;
}

const EMPTY = new Uint8Array(0);

const MISMATCH: Record<SentRequest['tool'], string> = {
  http_request: 'The request to be sent is not the one that was approved (credential, method, URL, headers or body differ); nothing was sent.',
  run_command: 'The command to be run is not the one that was approved (credential, program, arguments, variables or directory differ); nothing was run.',
  downstream: 'The call to be sent is not the one that was approved (credential, server, tool or arguments differ); nothing was sent.',
};

/**
 * node:crypto's SHA-256: the same digests as core's noble default, at a fraction of the
 * cost — a call hashes its URL, headers, body and request several times (prepare and redeem).
 */
const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The digest's input for a request, at `time` under `nonce`. */
export function describeRequest(r: SentRequest, time: string, nonce: string): ApprovalRequest {
  if (r.tool === 'run_command') {
    return {
      v: APPROVAL_REQUEST_VERSION,
      itemId: r.itemId,
      agent: r.agent,
      tool: r.tool,
      command: r.command,
      argvHash: jcsHash(r.argv, sha256Hex),
      envHash: envNamesHash(r.envNames, sha256Hex),
      ...(r.cwd !== undefined ? { cwdHash: sha256Hex(new TextEncoder().encode(r.cwd)) } : {}),
      time,
      nonce,
    };
  }
  if (r.tool === 'downstream') {
    return {
      v: APPROVAL_REQUEST_VERSION,
      ...(r.itemId !== undefined ? { itemId: r.itemId } : {}),
      agent: r.agent,
      tool: r.tool,
      server: r.server,
      serverTool: r.serverTool,
      argumentsHash: jcsHash(r.arguments, sha256Hex),
      time,
      nonce,
    };
  }
  const body = r.body ?? EMPTY;
  return {
    v: APPROVAL_REQUEST_VERSION,
    itemId: r.itemId,
    agent: r.agent,
    tool: r.tool,
    method: r.method,
    origin: r.url.origin,
    urlHash: sha256Hex(new TextEncoder().encode(r.url.href)),
    headersHash: headersHash(r.headers, sha256Hex),
    bodyHash: sha256Hex(body),
    bodyBytes: body.length,
    time,
    nonce,
  };
}

/** What a prompt shows of the request: method, URL without query (it may carry a token), body size. */
export function promptRequest(r: Pick<SentHttpRequest, 'method' | 'url' | 'body'>): { method: string; url: string; bodyBytes: number } {
  return { method: r.method, url: `${r.url.origin}${r.url.pathname}`.slice(0, 600), bodyBytes: r.body?.length ?? 0 };
}

export interface ReceiptBookOptions {
  readonly now: () => number;
  /** An issued receipt not redeemed within this long is void (default 10 minutes: longer than any prompt). */
  readonly ttlMs?: number;
  readonly touch?: ApprovalTouch | null;
}

export class ReceiptBook {
  /** Nonces issued and not yet redeemed → when they expire. Insertion order is expiry order (one TTL). */
  private readonly issued = new Map<string, number>();
  private readonly ttlMs: number;

  constructor(private readonly opts: ReceiptBookOptions) {
    this.ttlMs = opts.ttlMs ?? 600_000;
  }

  get touchAvailable(): boolean {
    return (this.opts.touch?.keys().length ?? 0) > 0;
  }

  /** Describes the request to approve under a fresh nonce. */
  prepare(r: SentRequest): PreparedRequest {
    const request = describeRequest(r, new Date(this.opts.now()).toISOString(), randomBytes(16).toString('base64url'));
    return { request, digest: approvalRequestDigest(request, sha256Hex) };
  }

  /**
   * Asks the person's security key to sign this request's digest, and checks the answer
   * here (a key, or a process speaking for it, that signs something else is refused now).
   */
  async touchFor(p: PreparedRequest, uv: boolean, signal?: AbortSignal): Promise<ReceiptTouch> {
    const keys = this.opts.touch?.keys() ?? [];
    if (!this.opts.touch || keys.length === 0) {
      throw new LatchkeyError(
        'touch_required',
        'This credential needs a touch of your security key to approve each use, and no security key is enrolled for approvals. Enrol one in Settings.',
      );
    }
    const touch = await this.opts.touch.assert({
      credentialIds: keys.map((k) => k.credentialId),
      clientDataHash: approvalClientDataHash(p.digest),
      uv,
      ...(signal ? { signal } : {}),
    });
    this.checkTouch(touch, p.digest, uv);
    return touch;
  }

  /** A receipt for the prepared request; its nonce may be redeemed once, within the TTL. */
  issue(p: PreparedRequest, grant?: ReceiptGrant, touch?: ReceiptTouch): ApprovalReceipt {
    const t = this.opts.now();
    for (const [n, exp] of this.issued) {
      if (exp > t) break;
      this.issued.delete(n);
    }
    this.issued.set(p.request.nonce, t + this.ttlMs);
    return { v: 1, digest: p.digest, request: p.request, ...(grant ? { grant } : {}), ...(touch ? { touch } : {}) };
  }

  /**
   * Lets the request actually sent through on this receipt, once. `touch`: the
   * credential needs a touch now (with UV when `uv`). Throws receipt_refused or
   * touch_required with a sentence the agent can act on.
   */
  redeem(receipt: ApprovalReceipt, sent: SentRequest, touch: { uv: boolean } | null): ApprovalReceipt {
    const exp = this.issued.get(receipt.request.nonce);
    if (exp === undefined || exp <= this.opts.now()) {
      throw new LatchkeyError('receipt_refused', 'This approval was already used (or has expired); each approval allows one request. Call again to be asked afresh.');
    }
    const again = describeRequest(sent, receipt.request.time, receipt.request.nonce);
    if (approvalRequestDigest(again, sha256Hex) !== receipt.digest || approvalRequestDigest(receipt.request, sha256Hex) !== receipt.digest) {
      throw new LatchkeyError('receipt_refused', MISMATCH[sent.tool]);
    }
    if (touch !== null) {
      if (!receipt.touch) throw new LatchkeyError('touch_required', 'This credential needs a touch of your security key to approve each use; nothing was sent.');
      this.checkTouch(receipt.touch, receipt.digest, touch.uv);
    }
    // Spent before anything is sent: a failure after this point never lets the receipt count twice.
    this.issued.delete(receipt.request.nonce);
    return receipt;
  }

  private checkTouch(touch: ReceiptTouch, digest: string, uv: boolean): void {
    const key = this.opts.touch?.keys().find((k) => k.credentialId === touch.credentialId);
    const bad = key ? checkTouch(key, touch, digest, uv) : 'wrong_credential';
    if (bad !== null) {
      throw new LatchkeyError(
        'touch_required',
        bad === 'no_verification'
          ? 'Approving this credential needs your security key to verify you (PIN or fingerprint) as well as a touch; nothing was sent.'
          : 'The security key did not approve this exact request; nothing was sent.',
        { reason: bad },
      );
    }
  }
}
