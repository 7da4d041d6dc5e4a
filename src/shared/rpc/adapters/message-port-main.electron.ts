/**
 * Port over Electron's MessagePortMain (main process). The import is type-only, so
 * loading this module never loads the electron package (whose require downloads the
 * binary when run under plain Node). MessagePortMain can only transfer ports, not
 * ArrayBuffers, so buffers passed in `transfer` are copied.
 */
import type { MessagePortMain } from 'electron';
import type { Port } from '../port';

/** The subset of MessagePortMain used here (lets tests pass a fake). */
export type MessagePortMainLike = Pick<MessagePortMain, 'postMessage' | 'start' | 'close'> & {
  on(event: 'message', listener: (ev: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  off(event: 'message', listener: (ev: { data: unknown }) => void): unknown;
  off(event: 'close', listener: () => void): unknown;
};

export function fromMessagePortMain(port: MessagePortMainLike): Port {
  let current: ((ev: { data: unknown }) => void) | undefined;
  return {
    postMessage(message) {
      port.postMessage(message);
    },
    onMessage(handler) {
      if (current !== undefined) port.off('message', current);
      const listener = (ev: { data: unknown }): void => handler(ev.data);
      current = listener;
      port.on('message', listener);
      port.start(); // MessagePortMain queues messages until started
      return () => {
        port.off('message', listener);
        if (current === listener) current = undefined;
      };
    },
    onClose(handler) {
      const l = (): void => handler();
      port.on('close', l);
      return () => {
        port.off('close', l);
      };
    },
    close() {
      port.close();
    },
  };
}
