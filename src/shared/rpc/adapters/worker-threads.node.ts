/**
 * Ports over Node worker_threads: a Worker (parent side), and a MessagePort
 * (`parentPort` inside the worker, or either end of a node:worker_threads
 * MessageChannel). Structured clone keeps Uint8Array; `transfer` moves buffers.
 */
import type { MessagePort as NodeMessagePort, Worker } from 'node:worker_threads';
import type { Port } from '../port';

interface NodeEndpoint {
  postMessage(value: unknown, transferList?: readonly ArrayBuffer[]): void;
  on(event: 'message', listener: (value: unknown) => void): unknown;
  off(event: 'message', listener: (value: unknown) => void): unknown;
}

function endpointPort(target: NodeEndpoint, subscribeClose: (h: () => void) => () => void, close: () => void): Port {
  let current: ((value: unknown) => void) | undefined;
  return {
    postMessage(message, transfer) {
      target.postMessage(message, transfer ?? []);
    },
    onMessage(handler) {
      if (current !== undefined) target.off('message', current);
      const listener = (value: unknown): void => handler(value);
      current = listener;
      target.on('message', listener);
      return () => {
        target.off('message', listener);
        if (current === listener) current = undefined;
      };
    },
    onClose: subscribeClose,
    close,
  };
}

/** Parent side of a worker_threads Worker; close() terminates it; onClose fires on exit. */
export function fromNodeWorker(worker: Worker): Port {
  return endpointPort(
    worker,
    (h) => {
      const l = (): void => h();
      worker.once('exit', l);
      return () => {
        worker.off('exit', l);
      };
    },
    () => {
      void worker.terminate();
    },
  );
}

/** A node:worker_threads MessagePort (including `parentPort`); onClose fires on 'close'. */
export function fromNodeMessagePort(port: NodeMessagePort): Port {
  return endpointPort(
    port,
    (h) => {
      const l = (): void => h();
      port.once('close', l);
      return () => {
        port.off('close', l);
      };
    },
    () => {
      port.close();
    },
  );
}
