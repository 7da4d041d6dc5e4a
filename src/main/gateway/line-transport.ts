/**
 * An MCP Transport over a stream socket with the stdio framing (one JSON-RPC message
 * per line), for the app side of the bridge socket.
 */
import type net from 'node:net';
import { ReadBuffer, serializeMessage, type JSONRPCMessage, type Transport } from '@modelcontextprotocol/server';

/** Messages larger than this close the connection (an MCP message is never near it). */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export class LineSocketTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private readonly buffer = new ReadBuffer({ maxBufferSize: MAX_MESSAGE_BYTES });
  private closed = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly initial: Buffer = Buffer.alloc(0),
  ) {}

  async start(): Promise<void> {
    this.socket.on('data', (chunk: Buffer) => this.ingest(chunk));
    this.socket.on('close', () => this.finish());
    this.socket.on('error', (e) => this.onerror?.(e));
    if (this.initial.length > 0) this.ingest(this.initial);
    this.socket.resume();
  }

  private ingest(chunk: Buffer): void {
    try {
      this.buffer.append(chunk);
      for (let m = this.buffer.readMessage(); m !== null; m = this.buffer.readMessage()) this.onmessage?.(m);
    } catch (e) {
      // Malformed or oversized input ends this connection, nothing else.
      this.onerror?.(e instanceof Error ? e : new Error('malformed message'));
      this.socket.destroy();
    }
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed || this.socket.destroyed) return resolve();
      if (this.socket.write(serializeMessage(message))) resolve();
      else this.socket.once('drain', () => resolve());
    });
  }

  async close(): Promise<void> {
    this.socket.end();
    this.finish();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.buffer.clear();
    this.onclose?.();
  }
}
