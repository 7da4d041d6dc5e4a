/**
 * Main's own small service to the renderer: who am I talking to. Served by
 * src/main/services.ts in both shells (Electron and the preview server).
 */
import { z } from 'zod';
import { defineContract } from '../rpc/contract';

export const appInfoSchema = z.object({
  name: z.literal('Latchkey'),
  version: z.string().max(64),
  /** Which composition serves main: the Electron app or the browser preview server. */
  shell: z.enum(['electron', 'preview']),
  /** process.platform of main ('linux', 'darwin', 'win32'). */
  platform: z.string().max(32),
});
export type AppInfo = z.infer<typeof appInfoSchema>;

export const AppContract = defineContract({
  name: 'app',
  methods: {
    'app.info': { params: z.object({}), result: appInfoSchema },
  },
  events: {},
});
