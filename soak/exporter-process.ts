// The exporter as the container runs it: the built CLI in a process of its own, so its resident
// memory is the exporter's alone (read from Linux's /proc). Stopped with SIGTERM, SIGKILL after a
// grace period.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { processMemory, stopChild } from '../test/support/processes.js';

const START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;
const KEPT_LINES = 200;

export type ExporterProcess = {
  url: string;
  pid: number;
  /** The latest log lines (JSON), for the report and for a failure's diagnosis. */
  logs(): string[];
  /** Resident set size now, bytes (VmRSS), and the peak so far (VmHWM); throws once the process is gone. */
  memory(): { rss: number; peak: number };
  stop(): Promise<void>;
};

/** The CLI, from dist/ whether this file runs compiled (dist/soak) or through ts-jest (soak/). */
function cliPath(): string {
  const here = fileURLToPath(import.meta.url);
  const root = here.includes('/dist/soak/') ? here.slice(0, here.indexOf('/dist/soak/')) : here.slice(0, here.lastIndexOf('/soak/'));
  return `${root}/dist/src/cli.js`;
}

export async function startExporterProcess(args: string[]): Promise<ExporterProcess> {
  const cli = cliPath();
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build (npm run soak builds it) first`);
  const child: ChildProcess = spawn(process.execPath, [cli, '--bind-address=127.0.0.1:0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (line: string) => {
    lines.push(line);
    if (lines.length > KEPT_LINES) lines.splice(0, lines.length - KEPT_LINES);
  };
  const stdout = createInterface({ input: child.stdout! });
  stdout.on('line', keep);
  createInterface({ input: child.stderr! }).on('line', keep);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => fail(`did not start within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`exporter ${why}; last lines:\n${lines.slice(-20).join('\n')}`));
    };
    child.once('exit', (code, signal) => fail(`exited during start (code ${code}, signal ${signal})`));
    const started = (line: string) => {
      const match = /"msg":"exporter started"/.test(line) && /"port":(\d+)/.exec(line);
      if (!match) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      stdout.off('line', started);
      resolve(Number(match[1]));
    };
    stdout.on('line', started);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    logs: () => [...lines],
    memory: () => processMemory(child.pid!),
    stop: () => stopChild(child, STOP_GRACE_MS),
  };
}
