/**
 * Persistent state of the software authenticator, as JSON (hex bytes), so a test
 * can "unplug" a key, keep its credentials and PIN counter, and plug it back in.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { z } from 'zod';

const hex = z.string().regex(/^([0-9a-f]{2})*$/);

export const softStateSchema = z.object({
  v: z.literal(1),
  aaguid: hex,
  pinHash: hex.nullable(),
  pinRetries: z.number().int().min(0).max(8),
  signCount: z.number().int().min(0),
  credentials: z.array(
    z.object({
      id: hex,
      rpIdHash: hex,
      privateKey: hex,
      credRandomWithUv: hex,
      credRandomWithoutUv: hex,
      credProtect: z.number().int().min(1).max(3),
    }),
  ),
});
export type SoftStateJson = z.infer<typeof softStateSchema>;

export interface SoftCredential {
  id: Uint8Array;
  rpIdHash: Uint8Array;
  privateKey: Uint8Array;
  credRandomWithUv: Uint8Array;
  credRandomWithoutUv: Uint8Array;
  credProtect: number;
}

export interface SoftState {
  aaguid: Uint8Array;
  /** LEFT(SHA-256(PIN), 16), or null when no PIN is set. */
  pinHash: Uint8Array | null;
  pinRetries: number;
  signCount: number;
  credentials: SoftCredential[];
}

export function freshState(random: (n: number) => Uint8Array): SoftState {
  return { aaguid: random(16), pinHash: null, pinRetries: 8, signCount: 0, credentials: [] };
}

export function stateToJson(s: SoftState): string {
  const j: SoftStateJson = {
    v: 1,
    aaguid: bytesToHex(s.aaguid),
    pinHash: s.pinHash ? bytesToHex(s.pinHash) : null,
    pinRetries: s.pinRetries,
    signCount: s.signCount,
    credentials: s.credentials.map((c) => ({
      id: bytesToHex(c.id),
      rpIdHash: bytesToHex(c.rpIdHash),
      privateKey: bytesToHex(c.privateKey),
      credRandomWithUv: bytesToHex(c.credRandomWithUv),
      credRandomWithoutUv: bytesToHex(c.credRandomWithoutUv),
      credProtect: c.credProtect,
    })),
  };
  return JSON.stringify(j);
}

export function stateFromJson(text: string): SoftState {
  const j = softStateSchema.parse(JSON.parse(text));
  return {
    aaguid: hexToBytes(j.aaguid),
    pinHash: j.pinHash === null ? null : hexToBytes(j.pinHash),
    pinRetries: j.pinRetries,
    signCount: j.signCount,
    credentials: j.credentials.map((c) => ({
      id: hexToBytes(c.id),
      rpIdHash: hexToBytes(c.rpIdHash),
      privateKey: hexToBytes(c.privateKey),
      credRandomWithUv: hexToBytes(c.credRandomWithUv),
      credRandomWithoutUv: hexToBytes(c.credRandomWithoutUv),
      credProtect: c.credProtect,
    })),
  };
}
