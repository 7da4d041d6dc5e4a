/** Digit values of hex and base64 characters (−1: not one), by UTF-16 code unit: what the decoders of unescape.ts and runs.ts read. */
export const HEX = new Int8Array(0x10000).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[65 + i] = 10 + i;
  HEX[97 + i] = 10 + i;
}

export const B64 = new Int8Array(0x10000).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'.split('').forEach((ch, k) => (B64[ch.charCodeAt(0)] = k));
B64[0x2b] = 62; // +
B64[0x2d] = 62; // -
B64[0x2f] = 63; // /
B64[0x5f] = 63; // _
