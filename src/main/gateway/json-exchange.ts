/**
 * The 2025-era stateless leg's common case — one JSON-RPC request that asked for no
 * progress — served by the SDK's own Server straight from the body the gateway already
 * parsed and onto node's response, without the Fetch API round trip in between.
 *
 * Why: on that path the SDK's web transport needs a `Request` built from node's headers
 * and answers with a `Response` that must then be read back through a web stream. Both
 * copies cost more per call than the transport's own work, and neither adds a check: the
 * gateway's Host/Origin/bearer checks run before this, and the transport checks below
 * are the ones its POST branch makes, in its order, with its answers.
 *
 * Anything else (a batch, a notification or a posted response, a progressToken, a body
 * the transport would refuse) returns `null` from {@link plainJsonRequest} and takes the
 * SDK's own path, so every refusal keeps the SDK's exact answer.
 */
import type http from 'node:http';
import {
  classifyInboundRequest,
  isJSONRPCErrorResponse,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  isJsonContentType,
  parseJSONRPCMessage,
  type AuthInfo,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type MessageExtraInfo,
  type Server,
  type Transport,
} from '@modelcontextprotocol/server';

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v.join(', ') : v);

/**
 * The request this leg serves, or null when the SDK's transport must answer instead.
 * `supported`: the versions the transport would accept in `MCP-Protocol-Version` (the
 * server's list, which `Server.connect` hands the transport).
 */
export function plainJsonRequest(
  headers: http.IncomingHttpHeaders,
  body: unknown,
  supported: readonly string[],
  asksForProgress: (body: unknown) => boolean,
): JSONRPCRequest | null {
  if (body === undefined || Array.isArray(body) || asksForProgress(body)) return null;
  // The SDK's routing predicate (isLegacyRequest) on the same inputs: only 2025-era requests come here.
  const route = classifyInboundRequest({
    httpMethod: 'POST',
    body,
    ...(headers['mcp-protocol-version'] !== undefined ? { protocolVersionHeader: one(headers['mcp-protocol-version']) } : {}),
    ...(headers['mcp-method'] !== undefined ? { mcpMethodHeader: one(headers['mcp-method']) } : {}),
    ...(headers['mcp-name'] !== undefined ? { mcpNameHeader: one(headers['mcp-name']) } : {}),
  });
  if (route.kind !== 'legacy' || (route.reason !== 'initialize' && route.reason !== 'no-claim')) return null;
  // The transport's POST checks, in its order: Accept (406), Content-Type (415), the message's schema (400).
  const accept = one(headers.accept);
  if (!accept?.includes('application/json') || !accept.includes('text/event-stream')) return null;
  if (!isJsonContentType(one(headers['content-type']) ?? null)) return null;
  let message: JSONRPCMessage;
  try {
    message = parseJSONRPCMessage(body);
  } catch {
    return null;
  }
  if (!isJSONRPCRequest(message)) return null;
  // Then, for all but `initialize`, the protocol-version header (400 when unsupported).
  const version = one(headers['mcp-protocol-version']);
  if (message.method !== 'initialize' && version !== undefined && !supported.includes(version)) return null;
  return message;
}

/**
 * A Transport for exactly one request: its response is the exchange's result. As the
 * SDK's transport does in JSON mode, anything else the server sends (a notification) is
 * not delivered — the request asked for no progress, and JSON has nowhere to put it.
 */
export class JsonExchangeTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;
  private id: JSONRPCRequest['id'] | undefined;
  private settle: ((message: JSONRPCMessage | null) => void) | undefined;
  private closed = false;

  async start(): Promise<void> {}

  /** Hands the request to the connected server; resolves with its response, or null when the exchange closed first. */
  exchange(request: JSONRPCRequest, authInfo: AuthInfo): Promise<JSONRPCMessage | null> {
    if (this.id !== undefined || this.onmessage === undefined) throw new Error('JsonExchangeTransport serves one request on a connected server');
    this.id = request.id;
    const answered = new Promise<JSONRPCMessage | null>((resolve) => (this.settle = resolve));
    if (this.closed) return Promise.resolve(null);
    this.onmessage(request, { authInfo });
    return answered;
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.closed || this.id === undefined) return;
    if ((isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) && message.id === this.id) this.settle?.(message);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.settle?.(null);
    this.onclose?.();
  }
}

/**
 * Serves `request` on a fresh server instance and writes its answer as one JSON body with
 * its length (what the SDK's transport answers in JSON mode), then tears the instance down.
 * `exchange` aborts when the client leaves first: the instance is closed, which aborts
 * the handler (a waiting approval prompt is withdrawn), and nothing is written.
 */
export async function serveJsonExchange(server: Server, request: JSONRPCRequest, authInfo: AuthInfo, exchange: AbortSignal, res: http.ServerResponse): Promise<void> {
  const transport = new JsonExchangeTransport();
  const teardown = (): void => {
    transport.close().catch(() => undefined);
    server.close().catch(() => undefined);
  };
  await server.connect(transport);
  exchange.addEventListener('abort', teardown, { once: true });
  try {
    if (exchange.aborted) return;
    const answer = await transport.exchange(request, authInfo);
    if (answer === null || res.destroyed) return;
    const body = JSON.stringify(answer);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  } finally {
    exchange.removeEventListener('abort', teardown);
    teardown();
  }
}
