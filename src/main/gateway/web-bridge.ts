/**
 * node:http ⇄ Fetch API, for the SDK v2 HTTP entry (a web-standard handler). The body
 * was already read and parsed (size-capped) by the gateway's own checks and reaches the
 * SDK only as `parsedBody` (its entry and transports read a Request's body only when no
 * parsedBody is given), so the Request carries headers, method and URL and no body stream
 * to build per call; the client's disconnect aborts it, which the SDK turns into the
 * handler's abort signal (a waiting approval prompt is withdrawn).
 */
import type http from 'node:http';

export function toWebRequest(req: http.IncomingMessage, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    // The Request has no body (see above): its length and encoding do not apply.
    if (k === 'content-length' || k === 'content-encoding' || k === 'transfer-encoding') continue;
    for (const one of Array.isArray(v) ? v : [v]) headers.append(k, one);
  }
  return new Request(`http://${headers.get('host') ?? '127.0.0.1'}${req.url ?? '/'}`, { method: req.method ?? 'GET', headers, signal });
}

/** Writes a Fetch Response onto the node response: JSON in one piece, SSE streamed (stopping if the client leaves). */
export async function writeWebResponse(response: Response, res: http.ServerResponse): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    headers[key] = value;
  });
  if (!response.body) {
    res.writeHead(response.status, headers);
    res.end();
    return;
  }
  if (!(headers['content-type'] ?? '').toLowerCase().startsWith('text/event-stream')) {
    // A JSON answer is complete before it is returned: one write with its length, not a stream.
    const body = Buffer.from(await response.arrayBuffer());
    headers['content-length'] = String(body.length);
    res.writeHead(response.status, headers);
    res.end(body);
    return;
  }
  res.writeHead(response.status, headers);
  const reader = response.body.getReader();
  const stop = (): void => void reader.cancel().catch(() => undefined);
  res.once('close', stop);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await new Promise<void>((r) => res.once('drain', () => r()));
    }
    res.end();
  } finally {
    res.off('close', stop);
  }
}
