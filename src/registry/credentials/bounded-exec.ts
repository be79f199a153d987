// Runs a helper program (a kubelet credential provider plugin, a docker credential helper) the way
// a network call is made here: with a time limit and a size limit on what it prints. A helper that
// hangs is killed, one that prints without end is killed at the limit; neither can hold a check or
// the exporter's memory. What it prints on stderr is kept short, for the reason.
import { spawn } from 'node:child_process';

export type ExecLimits = { timeoutMs: number; maxStdoutBytes: number };

export type ExecOutcome = { stdout: string; stderr: string };

/**
 * Why a helper gave no usable output; the message names what happened, never its output. What it
 * printed before a non-zero exit is kept apart, for callers that know the helper's words for
 * "nothing here".
 */
export class ExecError extends Error {
  constructor(
    message: string,
    readonly stdout = '',
  ) {
    super(message);
  }
}

const MAX_STDERR_BYTES = 4096;

export function runBounded(file: string, args: string[], input: string, env: NodeJS.ProcessEnv, limits: ExecLimits): Promise<ExecOutcome> {
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(file, args, { env, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    } catch (error) {
      reject(new ExecError(`cannot start: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`));
      return;
    }
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let stdoutBytes = 0;
    let stderrBytes = 0;
    let failure: ExecError | undefined;
    const stop = (reason: ExecError) => {
      failure ??= reason;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop(new ExecError(`did not finish within ${limits.timeoutMs} ms and was killed`)), limits.timeoutMs);

    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > limits.maxStdoutBytes) stop(new ExecError(`printed more than ${limits.maxStdoutBytes} bytes and was killed`));
      else stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderrBytes < MAX_STDERR_BYTES) stderr.push(chunk.subarray(0, MAX_STDERR_BYTES - stderrBytes));
      stderrBytes += chunk.length;
    });
    // A helper that exits without reading its input makes the write fail with EPIPE: its exit
    // status tells what happened, the write error does not.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);

    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new ExecError(`cannot start: ${error.code ?? error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const errText = Buffer.concat(stderr).toString('utf8');
      if (failure) reject(failure);
      else if (code !== 0) {
        const status = code === null ? `signal ${signal}` : `status ${code}`;
        reject(new ExecError(`exited with ${status}${errText.trim() ? `: ${lastLine(errText)}` : ''}`, Buffer.concat(stdout).toString('utf8')));
      }
      else resolve({ stdout: Buffer.concat(stdout).toString('utf8'), stderr: errText });
    });
  });
}

// klog's line header ("E1126 10:25:30.586192   32325 main.go:361] "), which Kubernetes plugins print.
const KLOG_HEADER = /^[IWEF]\d{4} [\d:.]+\s+\d+ \S+:\d+\] /;

/** The last non-empty line of a helper's stderr, printable and short: what it says went wrong. */
function lastLine(text: string): string {
  const line = (text.split('\n').map((part) => part.trim()).filter(Boolean).pop() ?? '').replace(KLOG_HEADER, '');
  const printable = line.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 200 ? `${printable.slice(0, 197)}...` : printable;
}
