/**
 * Ports over a dedicated Web Worker: {@link fromWorker} on the page's side,
 * {@link fromWorkerScope} inside the worker (`self`).
 */
import type { Port } from '../port';

/** What both a Worker and a DedicatedWorkerGlobalScope offer. */
interface WorkerEndpoint {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (ev: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (ev: MessageEvent) => void): void;
}

function endpointPort(target: WorkerEndpoint, terminate: () => void): Port {
  let current: ((ev: MessageEvent) => void) | undefined;
  const closeHandlers = new Set<() => void>();
  let closed = false;
  return {
    postMessage(message, transfer) {
      target.postMessage(message, transfer ?? []);
    },
    onMessage(handler) {
      if (current !== undefined) target.removeEventListener('message', current);
      const listener = (ev: MessageEvent): void => handler(ev.data);
      current = listener;
      target.addEventListener('message', listener);
      return () => {
        target.removeEventListener('message', listener);
        if (current === listener) current = undefined;
      };
    },
    onClose(handler) {
      closeHandlers.add(handler);
      return () => {
        closeHandlers.delete(handler);
      };
    },
    close() {
      if (closed) return;
      closed = true;
      terminate();
      for (const h of [...closeHandlers]) h();
    },
  };
}

/** The page's side; close() terminates the worker. */
export function fromWorker(worker: Worker): Port {
  return endpointPort(worker, () => worker.terminate());
}

/** Inside the worker; close() ends the worker (`self.close()`). */
export function fromWorkerScope(scope: WorkerEndpoint & { close(): void }): Port {
  return endpointPort(scope, () => scope.close());
}
