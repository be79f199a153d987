// Starts a real kube-apiserver (with in-process etcd) for a test: the
// kube-testbed binary built by test/apiserver/build.sh from the published
// Kubernetes Go modules. Each call gets its own port and temp data dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, statSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface ApiServer {
  /** https://127.0.0.1:PORT; the same across restart(). */
  url: string;
  /** Admin (system:masters) kubeconfig; stays valid across restart(). */
  kubeconfigPath: string;
  dataDir: string;
  /** Stops the process and removes dataDir. Safe to call twice. */
  stop(): Promise<void>;
  /** Stops the process and starts it again on the same port with the same etcd data. */
  restart(): Promise<void>;
  /** Stops the process, keeping its port and data for resume(): an outage of any length. */
  pause(): Promise<void>;
  resume(): Promise<void>;
}

const READY_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 15_000;
const LAUNCH_MARK = '--- kube-testbed start';

// test/support/, or dist/test/support/ when compiled for the soak: the test bed stays in test/.
const supportDir = dirname(fileURLToPath(import.meta.url));
const testDir = supportDir.endsWith(join('dist', 'test', 'support')) ? resolve(supportDir, '..', '..', '..', 'test') : resolve(supportDir, '..');
const apiserverDir = resolve(testDir, 'apiserver');
const binary = resolve(testDir, '.cache', 'bin', 'kube-testbed');

/** Processes still running, killed if the test process exits without stop(). */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) if (child.pid) process.kill(child.pid, 'SIGKILL');
});

// The build is not run from here: a cold one takes ~10 minutes, far beyond any
// test timeout, so a missing or stale binary is reported instead.
function checkBinary(): void {
  const hint = `run test/apiserver/build.sh (needs Go; the first build takes ~10 minutes)`;
  if (!existsSync(binary)) throw new Error(`kube-testbed is not built (${binary} is missing): ${hint}`);
  const built = statSync(binary).mtimeMs;
  for (const src of ['main.go', 'go.mod', 'go.sum', 'build.sh']) {
    if (statSync(join(apiserverDir, src)).mtimeMs > built) {
      throw new Error(`kube-testbed is older than test/apiserver/${src}: ${hint}`);
    }
  }
}

export type ApiServerOptions = {
  /** kube-apiserver flags added after the test bed's own (a later flag wins). */
  apiserverArgs?: string[];
  /** The ServiceAccount admission plugin on, as in a real cluster (needs the node's controller manager). */
  serviceAccounts?: boolean;
};

export async function startApiServer(options: ApiServerOptions = {}): Promise<ApiServer> {
  const extraArgs = [...(options.serviceAccounts ? ['--service-accounts'] : []), '--', ...(options.apiserverArgs ?? [])];
  checkBinary();
  const dataDir = await mkdtemp(join(tmpdir(), 'kube-testbed-'));
  const logPath = join(dataDir, 'testbed.log');
  let child: ChildProcess | undefined;
  let started: { url: string; kubeconfigPath: string };
  try {
    ({ child, ready: started } = await launch(dataDir, 0, logPath, extraArgs));
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  const port = Number(new URL(started.url).port);

  const server: ApiServer = {
    url: started.url,
    kubeconfigPath: started.kubeconfigPath,
    dataDir,
    async stop() {
      await terminate(child);
      child = undefined;
      await rm(dataDir, { recursive: true, force: true });
    },
    async restart() {
      await server.pause();
      await server.resume();
    },
    async pause() {
      await terminate(child);
      child = undefined;
    },
    async resume() {
      try {
        ({ child } = await launch(dataDir, port, logPath, extraArgs));
      } catch (err) {
        // A restart on a loaded CI machine was once seen to exit (code 1, no error line)
        // right after starting. The test is about the exporter, not the test bed: say
        // why the start failed and try once more on the same port and data.
        console.warn(`kube-testbed restart failed, starting it once more: ${(err as Error).message}`);
        ({ child } = await launch(dataDir, port, logPath, extraArgs));
      }
    },
  };
  return server;
}

/** Spawns kube-testbed and resolves once it prints its READY line. */
function launch(
  dataDir: string,
  port: number,
  logPath: string,
  extraArgs: string[],
): Promise<{ child: ChildProcess; ready: { url: string; kubeconfigPath: string } }> {
  // The apiserver logs a lot: keep it in a file (appended across restarts) and
  // quote its tail only when something goes wrong.
  const logFd = openSync(logPath, 'a');
  // Each start is marked, so a failure quotes only the lines of the start that failed.
  writeSync(logFd, `${LAUNCH_MARK} ${new Date().toISOString()} port ${port || 'any'}\n`);
  const child = spawn(binary, ['--data-dir', dataDir, '--port', String(port), '--exit-on-stdin-eof', ...extraArgs], {
    // stdin is a pipe only so that the process notices when we die.
    stdio: ['pipe', 'pipe', logFd],
  });
  closeSync(logFd);
  live.add(child);
  child.once('exit', () => live.delete(child));
  // A test that forgets stop() must not keep jest from exiting; the 'exit'
  // hook above and --exit-on-stdin-eof still end the process then.
  child.unref();
  (child.stdin as unknown as { unref(): void }).unref();
  (child.stdout as unknown as { unref(): void }).unref();

  return new Promise((resolvePromise, reject) => {
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
      reject(new Error(`kube-testbed ${why}; last log lines from ${logPath}:\n${logTail(logPath)}`));
    };
    const timer = setTimeout(() => fail(`was not ready within ${READY_TIMEOUT_MS / 1000}s`), READY_TIMEOUT_MS);
    child.once('error', (err) => fail(`could not be started: ${err.message}`));
    child.once('exit', (code, signal) => fail(`exited before ready (code ${code}, signal ${signal})`));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^READY (\S+) (\S+)$/.exec(line);
      if (!m || settled) return;
      settled = true;
      clearTimeout(timer);
      resolvePromise({ child, ready: { url: m[1]!, kubeconfigPath: m[2]! } });
    });
  });
}

/** SIGTERM by PID (apiserver then etcd shut down cleanly), SIGKILL after a grace period. */
async function terminate(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  process.kill(child.pid, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<boolean>((done) => {
    timer = setTimeout(() => done(true), STOP_GRACE_MS);
  });
  const timedOut = await Promise.race([exited.then(() => false), graceOver]);
  clearTimeout(timer);
  if (timedOut) {
    process.kill(child.pid, 'SIGKILL');
    await exited;
  }
}

/** The error lines of the log (klog E/F lines, our own "kube-testbed:" line, "Error:"), then its last lines. */
function logTail(path: string, lines = 30): string {
  try {
    const log = readFileSync(path, 'utf8');
    const all = log.slice(Math.max(0, log.lastIndexOf(LAUNCH_MARK))).trimEnd().split('\n');
    const errors = all.filter((line) => /^[EF]\d{4} |^kube-testbed:|^Error:|bind: address already in use/.test(line)).slice(-20);
    return `${errors.length ? `error lines:\n${errors.join('\n')}\nlast lines:\n` : ''}${all.slice(-lines).join('\n')}`;
  } catch {
    return '(no log)';
  }
}
