// Runs the `check` command in-process with captured stdout and stderr.
import { PassThrough } from 'node:stream';
import { runCheckCommand } from '../../src/check-command/command.js';

export async function runCheck(args: string[], stdin: string, env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk) => (out += chunk));
  stderr.on('data', (chunk) => (err += chunk));
  const code = await runCheckCommand(args, { stdout, stderr, stdin: () => stdin, env });
  return { code, out, err };
}
