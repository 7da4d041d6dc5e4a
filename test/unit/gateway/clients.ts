/**
 * The real MCP clients an agent may use against the gateway, one entry per
 * (SDK, protocol era): the v1 SDK client (2025-11-25, handshake), the v2 client in its
 * default legacy posture (2025-11-25) and the v2 client pinned to 2026-07-28
 * (stateless, server/discover, per-request _meta envelope), with or without the Tasks
 * extension declared. Also a raw 2026-07-28 request builder for what the SDK clients
 * do not send (tasks/get, tasks/cancel, hand-made headers).
 */
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export const MODERN = '2026-07-28';
export const LEGACY = '2025-11-25';
export const TASKS = 'io.modelcontextprotocol/tasks';

export interface CallOutcome {
  text: string;
  isError: boolean;
  structuredContent?: unknown;
}

/** The part of a client each test uses, whichever SDK is behind it. */
export interface AgentClient {
  readonly label: string;
  readonly era: 'legacy' | 'modern';
  protocolVersion(): string | undefined;
  listTools(): Promise<Array<{ name: string; description?: string; inputSchema: unknown; outputSchema?: unknown }>>;
  callTool(name: string, args: Record<string, unknown>, onprogress?: (p: { progress: number; message?: string }) => void, signal?: AbortSignal): Promise<CallOutcome>;
  listResources(): Promise<Array<{ uri: string; name: string; description?: string }>>;
  readResource(uri: string): Promise<string>;
  close(): Promise<void>;
}

export type ClientKind = 'v1' | 'v2-legacy' | 'v2-modern';
export const CLIENT_KINDS: readonly ClientKind[] = ['v1', 'v2-legacy', 'v2-modern'];

function outcome(raw: object): CallOutcome {
  const r = raw as { content?: unknown; isError?: unknown; structuredContent?: unknown };
  const content = (r.content ?? []) as Array<{ type: string; text?: string }>;
  return { text: content.map((c) => c.text ?? '').join(''), isError: r.isError === true, ...(r.structuredContent !== undefined ? { structuredContent: r.structuredContent } : {}) };
}

export async function connectAgent(kind: ClientKind, url: string, token: string): Promise<AgentClient> {
  const headers = { Authorization: `Bearer ${token}` };
  if (kind === 'v1') {
    const c = new V1Client({ name: 'v1-agent', version: '1.0.0' });
    await c.connect(new V1Transport(new URL(url), { requestInit: { headers } }));
    return {
      label: 'v1 SDK client, 2025-11-25',
      era: 'legacy',
      protocolVersion: () => (c.transport as V1Transport | undefined)?.protocolVersion,
      listTools: async () => (await c.listTools()).tools,
      callTool: async (name, args, onprogress, signal) =>
        outcome(await c.callTool({ name, arguments: args }, undefined, { ...(onprogress ? { onprogress } : {}), ...(signal ? { signal } : {}) })),
      listResources: async () => (await c.listResources()).resources,
      readResource: async (uri) => textOf((await c.readResource({ uri })).contents),
      close: () => c.close(),
    };
  }
  const modern = kind === 'v2-modern';
  const c = new V2Client({ name: 'v2-agent', version: '1.0.0' }, modern ? { versionNegotiation: { mode: { pin: MODERN } }, capabilities: {} } : {});
  await c.connect(new V2Transport(new URL(url), { requestInit: { headers } }));
  return {
    label: modern ? 'v2 SDK client, 2026-07-28' : 'v2 SDK client, 2025-11-25',
    era: modern ? 'modern' : 'legacy',
    protocolVersion: () => c.getNegotiatedProtocolVersion(),
    listTools: async () => (await c.listTools()).tools,
    callTool: async (name, args, onprogress, signal) =>
      outcome(await c.callTool({ name, arguments: args }, { ...(onprogress ? { onprogress } : {}), ...(signal ? { signal } : {}) })),
    listResources: async () => (await c.listResources()).resources,
    readResource: async (uri) => textOf((await c.readResource({ uri })).contents),
    close: () => c.close(),
  };
}

function textOf(contents: readonly object[]): string {
  return contents.map((x) => ('text' in x && typeof x.text === 'string' ? x.text : '')).join('');
}

/** The per-request envelope a 2026-07-28 client puts in every request's _meta. */
export function envelope(extensions: Record<string, object> = {}): Record<string, unknown> {
  return {
    'io.modelcontextprotocol/protocolVersion': MODERN,
    'io.modelcontextprotocol/clientInfo': { name: 'raw-agent', version: '1.0.0' },
    'io.modelcontextprotocol/clientCapabilities': Object.keys(extensions).length > 0 ? { extensions } : {},
  };
}

/** The routing headers' Mcp-Name source (SEP-2243 and the Tasks extension's HTTP binding). */
function mcpName(method: string, params: Record<string, unknown>): string | undefined {
  const field = ({ 'tools/call': 'name', 'resources/read': 'uri', 'tasks/get': 'taskId', 'tasks/cancel': 'taskId' } as Record<string, string>)[method];
  const v = field ? params[field] : undefined;
  return typeof v === 'string' ? v : undefined;
}

export interface RawReply {
  status: number;
  headers: Headers;
  text: string;
  /** The JSON-RPC response (the last one, when the answer was an SSE stream). */
  message: { result?: Record<string, unknown>; error?: { code: number; message: string; data?: unknown } } | null;
}

/** One 2026-07-28 request, built by hand as the spec says (envelope + routing headers). */
export async function modernRequest(
  url: string,
  token: string | null,
  method: string,
  params: Record<string, unknown>,
  opts: { extensions?: Record<string, object>; headers?: Record<string, string>; id?: number } = {},
): Promise<RawReply> {
  const name = mcpName(method, params);
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN,
      'mcp-method': method,
      ...(name !== undefined ? { 'mcp-name': name } : {}),
      ...(token !== null ? { authorization: `Bearer ${token}` } : {}),
      ...opts.headers,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: opts.id ?? 1, method, params: { ...params, _meta: envelope(opts.extensions) } }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, message: lastMessage(text) };
}

function lastMessage(text: string): RawReply['message'] {
  const candidates = text.trim().startsWith('{')
    ? [text]
    : text
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trim());
  for (const c of candidates.reverse()) {
    try {
      const m = JSON.parse(c) as { id?: unknown } & NonNullable<RawReply['message']>;
      if (m.id !== undefined) return m;
    } catch {
      // not JSON: keep looking
    }
  }
  return null;
}
