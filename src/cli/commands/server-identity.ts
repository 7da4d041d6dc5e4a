/**
 * `latchkey server` commands of enterprise identity, over the admin API only
 * (--server URL --admin-key FILE; docs/admin-api.md §3, docs/identity.md):
 *
 *   oidc-config --org ORG --issuer URL --client-id ID [--allowed-domains a.com,b.com]
 *               [--allowed-groups g1,g2] [--groups-claim groups] [--create-people]
 *   oidc-show --org ORG          oidc-remove --org ORG
 *   scim-token --org ORG         (creates or rotates; prints the token once)
 *   scim-token-revoke --org ORG
 *   scim-log --org ORG [--limit 100]   (what the IdP changed over SCIM, newest first)
 */
import {
  IDENTITY_ADMIN_ROUTES,
  deletedResponseSchema,
  oidcConfigResponseSchema,
  oidcConfigSchema,
  MAX_SCIM_EVENTS_LIMIT,
  scimEventListSchema,
  scimTokenResponseSchema,
  type OidcConfig,
} from '../../shared/contracts/identity';
import { revokedResponseSchema } from '../../shared/contracts/admin';
import type { AdminClient } from '../admin-client';
import { UsageError, type CliIo } from '../args';

export type IdentityCommand = 'oidc-config' | 'oidc-show' | 'oidc-remove' | 'scim-token' | 'scim-token-revoke' | 'scim-log';

export const IDENTITY_USAGE = [
  'enterprise identity, over the admin API only (--server URL --admin-key FILE):',
  '  latchkey server oidc-config --org ORG_ID --issuer URL --client-id ID [--allowed-domains a.com,b.com]',
  '                 [--allowed-groups g1,g2] [--groups-claim groups] [--create-people]',
  '  latchkey server oidc-show --org ORG_ID | oidc-remove --org ORG_ID',
  '  latchkey server scim-token --org ORG_ID        (creates or rotates; the token is printed once)',
  '  latchkey server scim-token-revoke --org ORG_ID',
  '  latchkey server scim-log --org ORG_ID [--limit 100]   (what the IdP changed over SCIM, newest first)',
];

export const IDENTITY_OPTS = {
  issuer: { type: 'string' },
  'client-id': { type: 'string' },
  'allowed-domains': { type: 'string' },
  'allowed-groups': { type: 'string' },
  'groups-claim': { type: 'string' },
  'create-people': { type: 'boolean' },
} as const;

export interface IdentityValues {
  issuer?: string;
  'client-id'?: string;
  'allowed-domains'?: string;
  'allowed-groups'?: string;
  'groups-claim'?: string;
  'create-people'?: boolean;
  limit?: string;
}

const list = (v: string | undefined): string[] =>
  v === undefined
    ? []
    : v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');

function describeConfig(c: OidcConfig): string[] {
  return [
    `issuer ${c.issuer}`,
    `client ${c.clientId}`,
    `domains ${c.allowedDomains.join(',') || '-'}`,
    `groups ${c.allowedGroups.join(',') || '-'} (claim ${c.groupsClaim})`,
    `create people ${c.createPeople ? 'yes' : 'no'}`,
  ];
}

export async function runIdentityCommand(sub: IdentityCommand, org: string, v: IdentityValues, api: AdminClient, io: CliIo): Promise<number> {
  switch (sub) {
    case 'oidc-config': {
      if (v.issuer === undefined || v['client-id'] === undefined) throw new UsageError('--issuer and --client-id are required');
      const parsed = oidcConfigSchema.safeParse({
        issuer: v.issuer,
        clientId: v['client-id'],
        allowedDomains: list(v['allowed-domains']).map((d) => d.toLowerCase()),
        allowedGroups: list(v['allowed-groups']),
        ...(v['groups-claim'] !== undefined ? { groupsClaim: v['groups-claim'] } : {}),
        createPeople: v['create-people'] === true,
      });
      if (!parsed.success) {
        const i = parsed.error.issues[0];
        throw new UsageError(`${i?.path.length ? `--${String(i.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ` : ''}${i?.message ?? 'invalid'}`);
      }
      const c = await api.json('POST', IDENTITY_ADMIN_ROUTES.oidc(org), oidcConfigResponseSchema, parsed.data);
      for (const line of describeConfig(c)) io.out(line);
      return 0;
    }
    case 'oidc-show':
      for (const line of describeConfig(await api.json('GET', IDENTITY_ADMIN_ROUTES.oidc(org), oidcConfigResponseSchema))) io.out(line);
      return 0;
    case 'oidc-remove':
      await api.json('POST', IDENTITY_ADMIN_ROUTES.deleteOidc(org), deletedResponseSchema);
      io.out('removed; sign-in enrolment is refused from now on (enrolled devices stay)');
      return 0;
    case 'scim-token': {
      const { token, createdAt } = await api.json('POST', IDENTITY_ADMIN_ROUTES.scimToken(org), scimTokenResponseSchema);
      // A secret for the IdP's provisioning settings: printed once, stored only hashed.
      io.out(token);
      io.err(`SCIM bearer token created ${createdAt}; any previous token stopped working. Base URL: <server>/scim/v2`);
      return 0;
    }
    case 'scim-token-revoke':
      await api.json('POST', IDENTITY_ADMIN_ROUTES.revokeScimToken(org), revokedResponseSchema);
      io.out('revoked; SCIM requests with it are refused from now on');
      return 0;
    case 'scim-log': {
      const limit = v.limit === undefined ? 100 : Number(v.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SCIM_EVENTS_LIMIT) throw new UsageError(`--limit must be a whole number from 1 to ${MAX_SCIM_EVENTS_LIMIT}`);
      const { events } = await api.json('GET', `${IDENTITY_ADMIN_ROUTES.scimEvents(org)}?limit=${limit}`, scimEventListSchema);
      for (const e of events) io.out(`${e.id}  ${e.at}  ${e.action}  user ${e.userId}  ${e.changed.join(',') || '-'}  ${e.userName}`);
      return 0;
    }
  }
}
