/**
 * Hands a window's page its RPC port to main. On each request from the preload (a
 * page load or reload asks once), main creates a MessageChannelMain, serves its
 * services on one end and posts the other end to that page. Requests from any other
 * frame or webContents are ignored: only our own top-level page gets a port.
 */
import type { IpcMain, IpcMainEvent, MessageChannelMain, WebContents } from 'electron';
import { fromMessagePortMain } from '../../shared/rpc/adapters/message-port-main.electron';
import { IPC_MAIN_PORT, IPC_REQUEST_MAIN_PORT, isMainPortPurpose, isMainPortRequestId, type MainPortMessage, type MainPortPurpose } from '../../shared/rpc/bridge';
import type { Port } from '../../shared/rpc/port';
import { isAllowedRendererUrl } from './security';

export interface MainPortDeps {
  ipcMain: Pick<IpcMain, 'on' | 'off'>;
  createChannel: () => Pick<MessageChannelMain, 'port1' | 'port2'>;
  /** The webContents allowed to ask (our main window's). */
  isOurContents: (contents: WebContents) => boolean;
  serve: (port: Port, purpose: MainPortPurpose) => () => void;
  devServerUrl?: string;
}

export function handleMainPortRequests(deps: MainPortDeps): () => void {
  const listener = (event: IpcMainEvent, requestId: unknown, purpose: unknown): void => {
    if (!isMainPortRequestId(requestId) || !isMainPortPurpose(purpose)) return;
    const frame = event.senderFrame;
    if (!deps.isOurContents(event.sender)) return;
    if (frame === null || frame !== event.sender.mainFrame) return;
    if (!isAllowedRendererUrl(frame.url, deps.devServerUrl)) return;
    const { port1, port2 } = deps.createChannel();
    const dispose = deps.serve(fromMessagePortMain(port1), purpose);
    event.sender.once('destroyed', dispose);
    const message: MainPortMessage = { requestId };
    event.sender.postMessage(IPC_MAIN_PORT, message, [port2]);
  };
  deps.ipcMain.on(IPC_REQUEST_MAIN_PORT, listener);
  return () => {
    deps.ipcMain.off(IPC_REQUEST_MAIN_PORT, listener);
  };
}
