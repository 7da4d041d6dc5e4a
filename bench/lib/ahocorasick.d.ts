// The npm package `ahocorasick` (1.0.2) ships no types; this is its whole API.
declare module 'ahocorasick' {
  export default class AhoCorasick {
    constructor(keywords: readonly string[]);
    /** Every match as [index of its last character, the keywords ending there]. */
    search(text: string): Array<[number, string[]]>;
  }
}
