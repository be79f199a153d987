// Registry implementations besides Debian's distribution 2.8, built from their Go modules by
// test/registries/build.sh into test/.cache/bin: go-containerregistry's pkg/registry (in memory)
// and distribution v3's registry (filesystem storage, deletes on), both started here: plain HTTP on
// a loopback port, without auth, for content scenarios; each is stopped by its own PID. Gitea's
// registry, which needs users and tokens, is started by gitea-registry.ts.
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Agent } from 'undici';
import { stringify } from 'yaml';
import type { PushTarget } from './image-push.js';
import { freePort, stopChild } from './processes.js';
import { cacheDir, repoRoot } from './tools.js';

export type ImplementationName = 'ggcr' | 'distribution-v3' | 'gitea';

export type RunningImplementation = {
  name: ImplementationName;
  host: string;
  pushTarget: PushTarget;
  output(): string;
  stop(): Promise<void>;
};

const binaries: Record<ImplementationName, string> = {
  ggcr: join(cacheDir, 'bin', 'ggcr-registry'),
  'distribution-v3': join(cacheDir, 'bin', 'distribution-v3'),
  gitea: join(cacheDir, 'bin', 'gitea'),
};
const sources: Record<ImplementationName, string[]> = {
  ggcr: ['ggcr/main.go', 'ggcr/go.mod', 'ggcr/go.sum'],
  'distribution-v3': ['distribution-v3/main.go', 'distribution-v3/go.mod', 'distribution-v3/go.sum'],
  gitea: ['build.sh'],
};
/** Gitea's translations and templates, which a build without bindata reads from STATIC_ROOT_PATH. */
export const GITEA_STATIC = join(cacheDir, 'gitea-static');
const READY_TIMEOUT_MS = 15_000;

/** Why the implementation cannot run here, or undefined when its binary is built and current. */
export function missingImplementation(name: ImplementationName): string | undefined {
  const binary = binaries[name];
  if (!existsSync(binary) || (name === 'gitea' && !existsSync(join(GITEA_STATIC, 'options', 'locale')))) return `${binary} is not built: run test/registries/build.sh`;
  const stale = sources[name].find((source) => statSync(join(repoRoot, 'test', 'registries', source)).mtimeMs > statSync(binary).mtimeMs);
  return stale ? `${binary} is older than test/registries/${stale}: run test/registries/build.sh` : undefined;
}

export const implementationBinary = (name: ImplementationName) => binaries[name];

export async function startImplementation(name: Exclude<ImplementationName, 'gitea'>): Promise<RunningImplementation> {
  const missing = missingImplementation(name);
  if (missing) throw new Error(missing);
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const dir = await mkdtemp(join(tmpdir(), `iae-${name}-`));
  let args = [`-addr=${host}`];
  if (name === 'distribution-v3') {
    const config = {
      version: 0.1,
      log: { level: 'info', accesslog: { disabled: true } },
      storage: { filesystem: { rootdirectory: join(dir, 'data') }, delete: { enabled: true }, maintenance: { uploadpurging: { enabled: false } } },
      http: { addr: host, secret: 'oracle-suite' },
    };
    await writeFile(join(dir, 'config.yml'), stringify(config));
    args = ['serve', join(dir, 'config.yml')];
  }
  // distribution reads REGISTRY_* variables as config overrides; keep ours authoritative.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('REGISTRY_')));
  // setpriv: the kernel kills the registry when this process dies, however it dies.
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', binaries[name], ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let onReady = () => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      output = `${output}${line}\n`.slice(-20_000);
      if (line.includes(`listening on ${host}`)) onReady();
    });
  }
  const stop = async () => {
    await stopChild(child, 3000);
    await rm(dir, { recursive: true, force: true });
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ready,
      new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`${name} exited at start (${code}):\n${output}`)))),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${name} not listening after ${READY_TIMEOUT_MS} ms:\n${output}`)), READY_TIMEOUT_MS))),
    ]);
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  const agent = new Agent();
  return {
    name,
    host,
    pushTarget: { url: `http://${host}`, dispatcher: agent, authorization: async () => undefined },
    output: () => output,
    stop: async () => {
      await agent.close();
      await stop();
    },
  };
}
