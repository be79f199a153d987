// Runs one `docker-registry serve config.yml` child process: waits until it listens,
// forwards its output line by line, and stops it by its own PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** Debian names the binary docker-registry; upstream builds call it registry. */
const REGISTRY_BIN = process.env.TEST_REGISTRY_BIN ?? 'docker-registry';
const READY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 3_000;

// Safety nets for a caller that never calls stop(). The exit hook covers plain node (the
// benchmarks); jest gives each test file a sandboxed `process` whose 'exit' never fires, so
// under jest setpriv's parent-death signal (below) is what ends a leaked registry.
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => { for (const c of live) c.kill('SIGKILL'); });
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
}

// setpriv execs the registry with PR_SET_PDEATHSIG, so the kernel kills it when the node
// process that spawned it dies, however it dies. The PID stays the registry's own.
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));
function command(args: string[]): [string, string[]] {
  return SETPRIV ? [SETPRIV, ['--pdeathsig', 'KILL', '--', REGISTRY_BIN, ...args]] : [REGISTRY_BIN, args];
}

export interface LineHandlers {
  /** stdout: the access log (Apache combined format, one line per request). */
  stdout(line: string): void;
  /** stderr: the application log (JSON with log.formatter: json). */
  stderr(line: string): void;
}

export class StartupError extends Error {
  constructor(message: string, readonly addressInUse: boolean) {
    super(message);
  }
}

export class RegistryProcess {
  private constructor(private readonly child: ChildProcess, private readonly closed: Promise<void>) {}

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Resolves once the registry logs `listening on <addr>`; the socket is bound by then. */
  static async start(configFile: string, addr: string, handlers: LineHandlers): Promise<RegistryProcess> {
    // distribution reads REGISTRY_* variables as config overrides; keep ours authoritative.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')));
    const child = spawn(...command(['serve', configFile]), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    // 'close' fires after the pipes drain, so every log line has been handled by then.
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const proc = new RegistryProcess(child, closed);

    const tail: string[] = [];
    let onReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => { onReady = resolve; });
    createInterface({ input: child.stdout! }).on('line', handlers.stdout);
    createInterface({ input: child.stderr! }).on('line', (line) => {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      if (line.includes(`listening on ${addr}`)) onReady();
      handlers.stderr(line);
    });

    const failed = new Promise<never>((_, reject) => {
      child.once('error', (err) => reject(new StartupError(`cannot run ${REGISTRY_BIN}: ${err.message}`, false)));
      closed.then(() => {
        const output = tail.join('\n');
        reject(new StartupError(`${REGISTRY_BIN} exited during startup (code ${child.exitCode}):\n${output}`,
          output.includes('address already in use')));
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StartupError(`${REGISTRY_BIN} not listening after ${READY_TIMEOUT_MS} ms:\n${tail.join('\n')}`, false)), READY_TIMEOUT_MS);
    });
    try {
      await Promise.race([ready, failed, timeout]);
      return proc;
    } catch (err) {
      await proc.stop();
      throw err;
    } finally {
      clearTimeout(timer);
      failed.catch(() => {}); // it rejects when the process ends later; that is expected
    }
  }

  /** SIGTERM (distribution exits at once without http.draintimeout), SIGKILL if it lingers. */
  async stop(): Promise<void> {
    if (this.child.pid === undefined) return; // never spawned (e.g. binary missing)
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
      await this.closed;
      clearTimeout(timer);
    }
    await this.closed;
  }
}
