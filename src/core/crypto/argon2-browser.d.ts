/**
 * Types for argon2-browser's prebuilt bundle (the package ships none for this path).
 * Only what the browser adapter uses.
 */
declare module 'argon2-browser/dist/argon2-bundled.min.js' {
  const argon2: {
    hash(params: {
      pass: Uint8Array;
      salt: Uint8Array;
      time: number;
      mem: number;
      hashLen: number;
      parallelism: number;
      type: number;
      secret?: Uint8Array;
      ad?: Uint8Array;
    }): Promise<{ hash: Uint8Array }>;
    ArgonType: { Argon2d: number; Argon2i: number; Argon2id: number };
  };
  export default argon2;
}
