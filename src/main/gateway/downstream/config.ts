/**
 * Downstream MCP servers the person configured: a stdio command or an HTTP URL, with
 * the credentials to inject (stdio: into named environment variables; HTTP: by each
 * item's own injection rule, and only if the URL's origin is one the item allows).
 * Their tools appear to agents as `<server>__<tool>`.
 */
import { z } from 'zod';
import { itemIdSchema } from '../../../shared/items';
import type { McpServerConfig } from '../../../shared/mcp-servers';
import { envVarName } from '../tools/schemas';

export const downstreamNameSchema = z.string().regex(/^[A-Za-z0-9-]{1,32}$/, '1–32 letters, digits or dashes');

export const downstreamServerSchema = z
  .strictObject({
    name: downstreamNameSchema,
    transport: z.discriminatedUnion('type', [
      z.strictObject({
        type: z.literal('stdio'),
        command: z.string().min(1).max(1024),
        args: z.array(z.string().max(8192)).max(256).default([]),
        cwd: z.string().max(4096).optional(),
      }),
      z.strictObject({
        type: z.literal('http'),
        url: z
          .string()
          .max(2048)
          .regex(/^https?:\/\//, 'an http(s) URL'),
      }),
    ]),
    credentials: z
      .array(
        z.strictObject({
          credential: z.string().min(1).max(256),
          env: envVarName.optional(),
          /** Servers configured in the vault name the item by id (a title may be shared); `credential` is then its title, for prompts. */
          itemId: itemIdSchema.optional(),
          /** HTTP: the header that carries the secret as is, instead of the item's own injection rule. */
          header: z
            .string()
            .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/)
            .optional(),
        }),
      )
      .max(16)
      .default([]),
  })
  .superRefine((s, ctx) => {
    if (s.transport.type === 'stdio') {
      s.credentials.forEach((c, i) => {
        if (!c.env) ctx.addIssue({ code: 'custom', path: ['credentials', i, 'env'], message: 'a stdio server gets credentials through environment variables: name one' });
      });
    }
  });
export type DownstreamServerConfig = z.infer<typeof downstreamServerSchema>;

/** `<server>__<tool>`: MCP tool names allow [A-Za-z0-9_.-]; server names have no '_'. */
export const NAMESPACE_SEPARATOR = '__';

export function splitToolName(name: string): { server: string; tool: string } | null {
  const i = name.indexOf(NAMESPACE_SEPARATOR);
  if (i <= 0) return null;
  return { server: name.slice(0, i), tool: name.slice(i + NAMESPACE_SEPARATOR.length) };
}

/**
 * A server as the vault stores it (src/shared/mcp-servers.ts) in the gateway's shape.
 * `titleOf` names each credential for prompts and activity; an item no longer listed
 * keeps its id as the name, and its use is then refused (not_found) like any gone item.
 */
export function fromVaultConfig(s: McpServerConfig, titleOf: (itemId: string) => string | undefined): DownstreamServerConfig {
  return downstreamServerSchema.parse({
    name: s.name,
    transport: s.transport.type === 'stdio' ? { type: 'stdio', command: s.transport.command, args: s.transport.args } : { type: 'http', url: s.transport.url },
    credentials: s.credentials.map((c) => ({
      credential: titleOf(c.itemId) ?? c.itemId,
      itemId: c.itemId,
      ...(c.env === undefined ? {} : { env: c.env }),
      ...(c.header === undefined ? {} : { header: c.header }),
    })),
  });
}
