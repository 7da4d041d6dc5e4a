/**
 * `http_request`: sends one HTTP request with a named credential injected, and returns
 * status, headers and a size-capped body, scrubbed of every vault secret by the
 * engine: the whole rendered result (headers and body together) in one call.
 *
 * Redirects are followed by hand: the credential is re-injected only when the next hop
 * has the SAME origin as the URL the agent asked for (which the item allows). A
 * redirect anywhere else is returned to the agent unfollowed, so the credential never
 * reaches another origin. Every hop is resolved, checked and pinned (egress/request.ts).
 */
import { isIP } from 'node:net';
import { assertDestinationAllowed } from '../../../core/policy';
import { LatchkeyError } from '../../../shared/errors';
import { resolveChecked, sendPinned, type PinnedResponse } from '../../egress/request';
import { authorizeUse, originAllowed } from '../authorize';
import { agentHeaders, inject } from '../inject';
import type { AuthenticatedAgent } from '../registry';
import { guardCanaryUse, refuseCanary } from './canary';
import type { CredentialRelease, ResultSource, ToolContext, ToolOutcome } from './context';
import { decodeContentEncoding, type DecodedBody } from './decode-body';
import { holdsSecret } from './echo-guard';
import { dlpBlockNote, dlpWarningNote, screenTexts, type EchoCheck } from './screen';
import type { HttpRequestArgs } from './schemas';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export function parseTargetUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new LatchkeyError('invalid_input', 'url must be an absolute http:// or https:// URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new LatchkeyError('invalid_input', 'url must use http or https.');
  if (url.username !== '' || url.password !== '') throw new LatchkeyError('invalid_input', 'url must not contain a user name or password; the credential is added by Latchkey.');
  url.hash = '';
  return url;
}

export async function httpRequestTool(ctx: ToolContext, agent: AuthenticatedAgent, args: HttpRequestArgs, signal?: AbortSignal): Promise<ToolOutcome> {
  const first = parseTargetUrl(args.url);
  const origin = first.origin;
  const source = { tool: 'http_request', destination: origin, audit: { tool: 'http_request', origin, method: args.method } } as const;
  // Read before the secret is fetched: the echo guard trusts the engine's scrub only if nothing changed since (tools/screen.ts).
  const since = ctx.credentials.generation();
  const firstBody: Uint8Array | undefined = args.body === undefined ? undefined : Buffer.from(args.body, args.bodyEncoding === 'base64' ? 'base64' : 'utf8');
  // What the approval is for: the request as it will be sent, before the credential is in it (receipts.ts).
  const sent = {
    tool: 'http_request',
    method: args.method,
    url: first,
    headers: Object.fromEntries(Object.entries(args.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
    ...(firstBody !== undefined ? { body: firstBody } : {}),
  } as const;
  const {
    overview,
    use,
    basis,
    guard,
    receipt: approved,
    touch,
  } = await guardCanaryUse(ctx.canary, agent, source, () =>
    authorizeUse(ctx, {
      agent,
      tool: 'http_request',
      credentialName: args.credential,
      destination: origin,
      url: first,
      method: args.method,
      sent,
      // A canary, and shadowing headers, are refused before the person is asked or the secret is fetched.
      precheck: (o) => {
        refuseCanary(o);
        agentHeaders(o.injection, args.headers);
      },
      ...(signal ? { signal } : {}),
    }),
  );
  const headers = agentHeaders(use.injection, args.headers);
  let method: string = args.method;
  let body: Uint8Array | undefined = firstBody;
  let url = first;
  // The receipt is redeemed against exactly what the first hop sends (method, URL, the agent's headers, body).
  if (approved === undefined) throw new LatchkeyError('internal', 'The approval carried no receipt; nothing was sent.');
  const receipt = ctx.receipts.redeem(
    approved,
    { itemId: overview.id, agent: agent.id, tool: 'http_request', method, url, headers, ...(body !== undefined ? { body } : {}) },
    touch,
  );
  // No record, no use: the signed record (with its receipt) is written before the secret is injected anywhere.
  const release = { label: 'http_request', itemId: overview.id, credentialName: overview.name, destination: origin, basis, audit: { ...source.audit, ...guard }, receipt } as const;
  await ctx.recordRelease(agent, release);
  const secret = use.secret;
  let res: PinnedResponse | undefined;
  let notFollowed: string | null = null;
  let hops = 0;
  for (;;) {
    assertDestinationAllowed(ctx.policy(), url.href, method);
    const placed = inject(use.injection, secret, url, headers);
    const target = await resolveChecked(placed.url, { resolver: ctx.resolver, allowNonPublicLiteral: isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0 });
    res = await sendPinned({
      target,
      method,
      headers: placed.headers,
      ...(body !== undefined ? { body } : {}),
      timeoutMs: ctx.limits.httpTimeoutMs,
      maxBodyBytes: ctx.limits.maxResponseBytes,
      pool: ctx.pool,
      ...(signal ? { signal } : {}),
    });
    const location = res.headers.location;
    if (!REDIRECTS.has(res.status) || location === undefined) break;
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      break;
    }
    if (next.origin !== origin) {
      notFollowed = `Redirect to ${next.protocol === 'http:' || next.protocol === 'https:' ? next.origin : 'another scheme'} not followed: the credential is only sent to ${origin}.`;
      break;
    }
    if (++hops > ctx.limits.maxRedirects) {
      notFollowed = `More than ${ctx.limits.maxRedirects} redirects; stopped.`;
      break;
    }
    const nextMethod = res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST') ? 'GET' : method;
    // Method and path rules hold on every hop: a same-origin redirect may leave the item's paths.
    if (!originAllowed(use.allowedOrigins, next, nextMethod)) {
      notFollowed = `Redirect to ${nextMethod} ${next.pathname.slice(0, 200)} not followed: the credential's destination rules do not allow it.`;
      break;
    }
    if (nextMethod !== method) {
      method = nextMethod;
      body = undefined;
    }
    next.hash = '';
    url = next;
  }
  const decoded = await decodeContentEncoding(res.body, res.headers['content-encoding'], ctx.limits.maxResponseBytes, res.truncated);
  // The bytes budget (budgets.ts) counts what came back, before scrubbing.
  ctx.guards?.budgets.noteBytes(agent.id, overview.id, (decoded.body ?? res.body).length);
  // The rendered texts hold the whole response but for what the result drops: a decoded
  // body's encoding headers (looked at here: two short strings) or a withheld body (then
  // the echo guard looks at the whole response here, as it always did). Whatever is
  // rendered, the echo guard asks the same scrub call (tools/screen.ts) — a compressed
  // body is no reason to scan it all again with every view.
  const rendered = decoded.body !== null;
  const dropped = rendered ? Object.entries(res.headers).filter(([k]) => decoded.decoded !== null && (k === 'content-encoding' || k === 'content-length')) : [];
  if (
    rendered
      ? holdsSecret(
          secret,
          dropped.map(([k, v]) => ({ text: `${k}: ${v}` })),
        )
      : echoed(secret, res, decoded)
  ) {
    return echoWithheld(ctx, agent, release, overview.id, res.status);
  }
  const text = await renderScrubbed(ctx, agent, source, res, decoded, notFollowed, rendered ? { secret, since, itemId: overview.id } : undefined);
  return text === null ? echoWithheld(ctx, agent, release, overview.id, res.status) : { text };
}

/** Signed before anything is returned; the next use of this pair asks the person again. */
async function echoWithheld(ctx: ToolContext, agent: AuthenticatedAgent, release: CredentialRelease, itemId: string, status: number): Promise<ToolOutcome> {
  await ctx.recordGuard(agent, release, 'echo_detected');
  ctx.echoes.mark(itemId, release.destination);
  return {
    text: JSON.stringify({ status, headers: {}, bodyEncoding: 'utf8', body: '', truncated: false, bodyWithheld: true, echoDetected: true, note: ECHO_NOTE }, null, 2),
  };
}

const ECHO_NOTE =
  'The destination sent the credential back in its response (an echo), so Latchkey withheld the whole response: only its status is returned. The next use of this credential at this destination needs the person to approve it again.';

/** The echo guard (echo-guard.ts): the injected secret, in any form, in the decoded body or any header. */
function echoed(secret: string, res: PinnedResponse, decoded: DecodedBody): boolean {
  const texts: Array<{ text: string; truncated?: boolean }> = Object.entries(res.headers).map(([k, v]) => ({ text: `${k}: ${v}` }));
  const body = decoded.body ?? res.body;
  texts.push({ text: bodyString(body), truncated: decoded.body === null ? res.truncated : decoded.truncated });
  return holdsSecret(secret, texts);
}

/** UTF-8 when it is, else one Latin-1 character per byte (what the scrubber's byte views read). */
function bodyString(body: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return body.toString('latin1');
  }
}

/**
 * The result document, scrubbed by the engine in ONE call just before it leaves: the
 * whole body (complete, decoded from its Content-Encoding and size-capped by now, so a
 * secret split across network reads is one contiguous string), every header name and
 * value, and our notes. The pieces are scrubbed BEFORE they are JSON-encoded: a body
 * that is itself JSON holds a secret JSON-escaped once; encoding it into our document
 * first would escape it twice. Redacting before encoding also keeps the document valid
 * JSON. A body that is not UTF-8 is scrubbed as its bytes (one Latin-1 character each,
 * which the scrubber's byte views read) and returned as base64 of the SCRUBBED bytes,
 * so it stays valid base64. With `echo`, the same call answers the echo guard: null
 * when the result holds the injected secret (nothing else is done with it then).
 */
async function renderScrubbed(
  ctx: ToolContext,
  agent: AuthenticatedAgent,
  source: ResultSource,
  res: PinnedResponse,
  decoded: DecodedBody,
  redirectNote: string | null,
  echo?: EchoCheck,
): Promise<string | null> {
  const headerList = Object.entries(res.headers).filter(([k]) => decoded.decoded === null || (k !== 'content-encoding' && k !== 'content-length'));
  const note = [redirectNote, decoded.decoded !== null ? `Body decoded from Content-Encoding ${decoded.decoded}.` : null, decoded.note].filter((n) => n !== null).join(' ');
  let bodyText = '';
  let encoding: 'utf8' | 'base64' = 'utf8';
  if (decoded.body !== null) {
    try {
      bodyText = new TextDecoder('utf-8', { fatal: true }).decode(decoded.body);
    } catch {
      bodyText = decoded.body.toString('latin1');
      encoding = 'base64';
    }
  }
  const texts = [bodyText, note, ...headerList.flat()];
  const screened = await screenTexts(
    ctx,
    agent,
    source,
    texts,
    texts.map((_, i) => i === 0 && decoded.truncated),
    echo,
  );
  if (screened.echoed) return null;
  if (screened.blocked) {
    return JSON.stringify(
      { status: res.status, headers: {}, bodyEncoding: 'utf8', body: '', truncated: false, bodyWithheld: true, dlpBlocked: true, note: dlpBlockNote(screened.blocked) },
      null,
      2,
    );
  }
  const clean = screened.texts;
  const warning = dlpWarningNote(screened.warnings);
  const headers: Record<string, string> = {};
  for (let i = 0; i < headerList.length; i++) {
    Object.defineProperty(headers, clean[2 + 2 * i]!, { value: clean[3 + 2 * i]!, enumerable: true, writable: true, configurable: true });
  }
  const out = {
    status: res.status,
    headers,
    bodyEncoding: encoding,
    body: encoding === 'base64' ? Buffer.from(clean[0]!, 'latin1').toString('base64') : clean[0]!,
    truncated: decoded.truncated,
    ...(decoded.body === null ? { bodyWithheld: true } : {}),
    ...(note !== '' ? { note: clean[1]! } : {}),
    ...(warning !== null ? { dlpWarning: warning } : {}),
  };
  return JSON.stringify(out, null, 2);
}
