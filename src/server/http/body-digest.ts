/**
 * The hex SHA-256 of a signed request's raw body, the `bodySha256` line of the canonical
 * request (docs/sync-protocol.md, docs/admin-api.md). Through node:crypto (OpenSSL): the
 * server is Node and hashes every signed body, device and admin alike; the digest is the
 * same bytes the signer computed with noble.
 */
import { hash } from 'node:crypto';

const EMPTY = new Uint8Array(0);

/** A request without a body hashes as the empty string, as the signer does. */
export const requestBodySha256 = (rawBody: Uint8Array | undefined): string => hash('sha256', rawBody ?? EMPTY, 'hex');
