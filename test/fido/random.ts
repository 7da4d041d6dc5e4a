/** Test randomness: node:crypto (the client's own code takes it injected). */
import { randomBytes } from 'node:crypto';

export const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
