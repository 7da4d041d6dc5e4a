/**
 * How the engine worker reaches main. In Electron the page asks the preload for a
 * fresh MessagePort to main (platform/requestMainMessagePort) and hands the raw port
 * to the worker, so what main asks the engine for (one credential for one
 * invocation) travels worker <-> main and never through the page's JavaScript. In
 * preview mode the worker opens its own WebSocket to the preview server.
 */
import { mainTransport, requestMainMessagePort } from '../platform/connect-main';
import type { StartEngineOptions } from './client';

/** The engine options for this window's shell. */
export async function engineMainLink(win: Window = window): Promise<Pick<StartEngineOptions, 'mainPort' | 'mainLink'>> {
  if (mainTransport(win) === 'preview') return { mainLink: 'websocket' };
  return { mainPort: await requestMainMessagePort(win, 'engine') };
}
