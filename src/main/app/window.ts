/**
 * The main window: secure options from security.ts, navigation guards, shown when
 * ready, loading our own origin only.
 */
import { BrowserWindow } from 'electron';
import { APP_ORIGIN, installNavigationGuards, secureWindowOptions } from './security';

export interface MainWindowOptions {
  preloadPath: string;
  /** electron-vite's dev server (ELECTRON_RENDERER_URL) in development; unset when packaged. */
  devServerUrl?: string;
}

export function createMainWindow(opts: MainWindowOptions): BrowserWindow {
  const win = new BrowserWindow(secureWindowOptions(opts.preloadPath));
  installNavigationGuards(win.webContents, opts.devServerUrl);
  win.once('ready-to-show', () => win.show());
  void win.loadURL(opts.devServerUrl ?? `${APP_ORIGIN}/index.html`);
  return win;
}
