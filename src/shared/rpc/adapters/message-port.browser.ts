/**
 * Port over a browser MessagePort (also Node's global MessagePort, which follows the
 * same EventTarget API). Buffers in `transfer` move instead of being copied.
 */
import type { Port } from '../port';

export function fromMessagePort(port: MessagePort): Port {
  let current: ((ev: MessageEvent) => void) | undefined;
  const closeHandlers = new Set<() => void>();
  // Chromium fires 'close' on an entangled port when the other side goes away.
  const onClose = (): void => {
    for (const h of [...closeHandlers]) h();
  };
  port.addEventListener('close', onClose);
  return {
    postMessage(message, transfer) {
      port.postMessage(message, transfer ?? []);
    },
    onMessage(handler) {
      if (current !== undefined) port.removeEventListener('message', current);
      const listener = (ev: MessageEvent): void => handler(ev.data);
      current = listener;
      port.addEventListener('message', listener);
      port.start(); // addEventListener (unlike onmessage) does not start delivery
      return () => {
        port.removeEventListener('message', listener);
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
      port.close();
      onClose();
    },
  };
}
