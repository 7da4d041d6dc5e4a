/**
 * What the `latchkey` commands share for reading argv and writing lines: node:util's
 * parseArgs with its errors turned into a UsageError (each command prints it with its
 * usage text and exits 2), and output one line at a time to the process streams.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** The arguments are wrong: the message is printed with the command's usage text (exit 2). */
export class UsageError extends Error {}

/** `parseArgs(config)`, throwing UsageError with parseArgs' message when argv does not fit. */
export function parseArgv<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : 'bad arguments');
  }
}

/** Where a command writes: one line per call (tests pass their own). */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}
export const processLineIo: CliIo = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};
