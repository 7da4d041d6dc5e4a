/**
 * The server's own Ed25519 key, used only to sign audit checkpoints. Created on first
 * start and kept in the owner-only `server_keys` table (no grant to latchkey_app), so
 * the request path cannot read it. Never logged.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { fromBase64url, toBase64url } from '../core/crypto/bytes';
import type { Database } from './db/db';

export interface ServerKey {
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

export async function loadOrCreateServerKey(db: Database): Promise<ServerKey> {
  const secret = await db.asOwner(async (sql) => {
    const rows = await sql.query<{ secret_key: string }>('SELECT secret_key FROM server_keys WHERE id = 1');
    if (rows[0]) return fromBase64url(rows[0].secret_key);
    const sk = ed25519.utils.randomSecretKey();
    await sql.query('INSERT INTO server_keys (id, secret_key, public_key) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING', [
      toBase64url(sk),
      toBase64url(ed25519.getPublicKey(sk)),
    ]);
    const again = await sql.query<{ secret_key: string }>('SELECT secret_key FROM server_keys WHERE id = 1');
    return fromBase64url(again[0]!.secret_key);
  });
  const publicKey = ed25519.getPublicKey(secret);
  return { publicKey, sign: (m) => ed25519.sign(m, secret) };
}
