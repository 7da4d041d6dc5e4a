/**
 * Port over a WebSocket: the browser's WebSocket or the `ws` package's, on either
 * side. Frames are binary CBOR (cborg) so Uint8Array values arrive as Uint8Array,
 * which JSON would not preserve. Nothing is transferred: `transfer` is ignored and
 * an ArrayBuffer value arrives as a Uint8Array (send Uint8Array to keep types equal).
 *
 * Incoming frames are untrusted (the preview server's socket faces a browser): text
 * frames, undecodable CBOR and frames over `maxFrameBytes` are dropped and reported;
 * an oversized frame also closes the socket (1009), as the peer is misbehaving.
 */
import { decode, encode } from 'cborg';
import { LatchkeyError } from '../../errors';
import type { Port } from '../port';

/** Default cap on one incoming frame, in bytes. The `ws` server should use the same `maxPayload`. */
export const DEFAULT_MAX_FRAME_BYTES = 8 * 1024 * 1024;

const OPEN = 1;
const CONNECTING = 0;
/** Messages that arrive before onMessage() is called are kept, up to this many. */
const MAX_EARLY_MESSAGES = 256;

/** What both the DOM WebSocket and `ws`'s WebSocket offer. */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType: string;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'message', listener: (ev: { data: unknown }) => void): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
  removeEventListener(type: 'message', listener: (ev: { data: unknown }) => void): void;
  removeEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
}

export type DroppedFrameReason = 'too_large' | 'undecodable' | 'text' | 'overflow';

export interface WebSocketPortOptions {
  maxFrameBytes?: number;
  onDroppedFrame?: (reason: DroppedFrameReason) => void;
}

export function encodeFrame(message: unknown): Uint8Array {
  return encode(message);
}

/** Decodes one frame; throws on anything that is not a single well-formed CBOR item. */
export function decodeFrame(bytes: Uint8Array): unknown {
  // Duplicate keys are refused so a parser and a schema cannot disagree on a value.
  return decode(bytes, { rejectDuplicateMapKeys: true });
}

function frameBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength); // ws 'nodebuffer'
  return undefined;
}

export function fromWebSocket(socket: WebSocketLike, opts: WebSocketPortOptions = {}): Port {
  const maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  socket.binaryType = 'arraybuffer';
  let handler: ((message: unknown) => void) | undefined;
  const early: unknown[] = [];
  const outbox: Uint8Array[] = [];
  const closeHandlers = new Set<() => void>();
  let closed = socket.readyState > OPEN;
  let closeFired = closed;

  const drop = (reason: DroppedFrameReason): void => {
    opts.onDroppedFrame?.(reason);
  };

  const onMessage = (ev: { data: unknown }): void => {
    const bytes = frameBytes(ev.data);
    if (bytes === undefined) {
      drop('text');
      return;
    }
    if (bytes.byteLength > maxFrameBytes) {
      drop('too_large');
      socket.close(1009, 'frame too large');
      return;
    }
    let message: unknown;
    try {
      message = decodeFrame(bytes);
    } catch {
      drop('undecodable');
      return;
    }
    if (handler !== undefined && early.length === 0) handler(message);
    else if (early.length < MAX_EARLY_MESSAGES) early.push(message);
    else drop('overflow');
  };
  const onOpen = (): void => {
    for (const frame of outbox.splice(0)) socket.send(frame);
  };
  const onClose = (): void => {
    if (closeFired) return;
    closeFired = true;
    closed = true;
    outbox.length = 0;
    for (const h of [...closeHandlers]) h();
    closeHandlers.clear();
  };
  socket.addEventListener('message', onMessage);
  socket.addEventListener('open', onOpen);
  socket.addEventListener('close', onClose);

  return {
    postMessage(message) {
      if (closed || socket.readyState > OPEN) throw new LatchkeyError('rpc_closed', 'The WebSocket is closed.');
      const frame = encodeFrame(message);
      if (socket.readyState === CONNECTING) outbox.push(frame);
      else socket.send(frame);
    },
    onMessage(h) {
      handler = h;
      // Delivered on the next microtask: whoever registers (the RPC mux) finishes
      // setting up (attaching its server) before the first buffered request is routed.
      // Frames arrive as macrotasks, so order is kept.
      if (early.length > 0) {
        queueMicrotask(() => {
          while (early.length > 0 && handler !== undefined) handler(early.shift());
        });
      }
      return () => {
        if (handler === h) handler = undefined;
      };
    },
    onClose(h) {
      if (closed) {
        h();
        return () => {};
      }
      closeHandlers.add(h);
      return () => {
        closeHandlers.delete(h);
      };
    },
    close() {
      socket.close(1000, 'closed');
      onClose();
    },
  };
}

/** Opens a browser-style WebSocket and resolves with its Port once connected. */
export function openWebSocketPort(socket: WebSocketLike, opts: WebSocketPortOptions = {}): Promise<Port> {
  return new Promise((resolve, reject) => {
    const port = fromWebSocket(socket, opts);
    if (socket.readyState === OPEN) {
      resolve(port);
      return;
    }
    const onOpen = (): void => {
      cleanup();
      resolve(port);
    };
    const onFail = (): void => {
      cleanup();
      reject(new LatchkeyError('rpc_closed', 'Could not connect the WebSocket.'));
    };
    const cleanup = (): void => {
      socket.removeEventListener('open', onOpen);
      socket.removeEventListener('close', onFail);
      socket.removeEventListener('error', onFail);
    };
    socket.addEventListener('open', onOpen);
    socket.addEventListener('close', onFail);
    socket.addEventListener('error', onFail);
  });
}
