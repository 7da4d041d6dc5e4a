/**
 * The one transport abstraction every RPC runs over: something that can post a
 * structured-cloneable message (optionally transferring buffers) and deliver
 * incoming ones. Adapters exist for the browser MessagePort/Worker, Node
 * worker_threads, Electron MessagePortMain and a WebSocket (see ./adapters).
 */
export interface Port {
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  /** Registers the single receiver; returns a function that unregisters it. */
  onMessage(handler: (message: unknown) => void): () => void;
  /** Called once when the other side goes away (worker exit, socket close). */
  onClose?(handler: () => void): () => void;
  close(): void;
}
