/**
 * `latchkey run [--env NAME=ref]… [--env-file F] [--real-env] -- cmd args…`
 * (docs/references.md, docs/gateway.md "Proxy mode"). Exit code: the command's; 1 when
 * Latchkey refused; 2 usage.
 */
import { LatchkeyError } from '../../shared/errors';
import { UsageError } from '../args';
import { connectApp, type AppClient } from './app-resolver';
import { RUN_USAGE, parseRunArgs, runWithReferences } from './run-core';

export const summary = 'run a command with secrets as placeholders swapped by a per-run proxy (or --real-env)';

export async function run(argv: string[]): Promise<number> {
  if (argv[0] === '--help' || argv[0] === '-h') {
    process.stderr.write(RUN_USAGE + '\n');
    return 0;
  }
  let args;
  try {
    args = await parseRunArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`latchkey run: ${err.message}\n${RUN_USAGE}\n`);
    return 2;
  }
  let app: AppClient | undefined;
  try {
    const client = await connectApp();
    app = client;
    return await runWithReferences(
      { resolver: client.resolver, startRun: (c, e) => client.startRun(c, e), baseEnv: process.env, stdout: process.stdout, stderr: process.stderr },
      args,
    );
  } catch (err) {
    if (!(err instanceof LatchkeyError)) throw err;
    process.stderr.write(`latchkey run: ${err.message}\n`);
    return 1;
  } finally {
    app?.close();
  }
}
