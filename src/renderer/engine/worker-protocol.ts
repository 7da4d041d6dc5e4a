/**
 * The one non-RPC message between the page and the engine worker: the init message
 * that hands the worker its ports. Everything after it is typed RPC.
 *
 * Why a MessageChannel instead of RPC over the Worker object itself: the worker needs
 * raw MessagePorts (the UI's, and in Electron main's), and RPC transfers only
 * ArrayBuffers. Keeping the Worker object for this single message means the RPC
 * ports never see a non-envelope message.
 *
 * ports[0]: the UI's RPC port (EngineUiContract, and EngineTransferContract in e2e builds).
 * ports[1]: when mainLink is 'port', a port to main's services (Electron).
 */
import { z } from 'zod';

export const ENGINE_INIT_TYPE = 'latchkey:engine-init';

export const engineInitSchema = z.object({
  type: z.literal(ENGINE_INIT_TYPE),
  /**
   * How the worker reaches main to serve EngineMainContract:
   * - 'port': the MessagePort in ports[1] (Electron; main hands it via the preload);
   * - 'websocket': the worker opens the preview server's RPC socket on its own origin;
   * - 'none': no main (tests of the UI alone).
   */
  mainLink: z.enum(['port', 'websocket', 'none']),
  /** IndexedDB database name (one vault per database). */
  dbName: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/),
});
export type EngineInit = z.infer<typeof engineInitSchema>;

export const DEFAULT_DB_NAME = 'latchkey-vault';
