/**
 * Cuts a byte stream into chunks of whole lines for the verifier's workers, without
 * decoding or splitting it: the main thread only looks for "\n" bytes (a UTF-8 multi-byte
 * character never holds one), so the text work of a chunk is the worker's. Each chunk is
 * a fresh buffer of its own, so it can be transferred rather than copied.
 */

/** Cuts after every `linesPerChunk` "\n" bytes; `end` gives what is left (a last line without a break). */
export function lineChunker(linesPerChunk: number): { push(piece: Uint8Array): Uint8Array<ArrayBuffer>[]; end(): Uint8Array<ArrayBuffer> | undefined } {
  const per = Math.max(1, linesPerChunk);
  let held: Uint8Array[] = [];
  let heldBytes = 0;
  let heldLines = 0;
  const take = (last: Uint8Array): Uint8Array<ArrayBuffer> => {
    const out = new Uint8Array(heldBytes + last.length);
    let at = 0;
    for (const h of held) {
      out.set(h, at);
      at += h.length;
    }
    out.set(last, at);
    held = [];
    heldBytes = 0;
    heldLines = 0;
    return out;
  };
  return {
    push(piece) {
      const out: Uint8Array<ArrayBuffer>[] = [];
      let from = 0;
      for (let nl = piece.indexOf(0x0a); nl !== -1; nl = piece.indexOf(0x0a, nl + 1)) {
        if (++heldLines < per) continue;
        out.push(take(piece.subarray(from, nl + 1)));
        from = nl + 1;
      }
      if (from < piece.length) {
        // Copied: a view would keep the whole read buffer alive for its last partial line.
        const rest = piece.slice(from);
        held.push(rest);
        heldBytes += rest.length;
      }
      return out;
    },
    end() {
      return heldBytes > 0 ? take(new Uint8Array(0)) : undefined;
    },
  };
}
