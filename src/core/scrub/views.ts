/**
 * Normalizing views of a text (view.ts: a view and its map to the original), and what
 * makes them, one file each:
 *
 * - unescape() (unescape.ts): one decoding pass over percent escapes of any byte (`%6C`), `\uXXXX`,
 *   `\u{…}`, `\xXX` and the single-character backslash escapes of JSON/JS, and HTML
 *   numeric (`&#108;`, `&#x6C;`) and named (`&amp;`…) entities. Applied repeatedly, it
 *   undoes JSON escaped twice (or more).
 * - decodedRuns() (runs.ts): every run of base64 (standard or URL alphabet) or hex
 *   characters long enough to hold a secret, decoded at every character alignment
 *   (4 for base64, 2 for hex) into a view whose characters are the decoded BYTES.
 */
export { decodedRuns, findRuns, B64_JOIN, HEX_JOIN, IS_B64, IS_HEX } from './runs';
export { unescape } from './unescape';
export { identityView, toOriginal, type View } from './view';
