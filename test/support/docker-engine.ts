// A Docker engine of the test's own, to build the exporter's image from the Dockerfile: Debian's
// dockerd unpacked by test/image/docker-engine.sh, with its own socket, exec root and pid file in
// a temp dir, no bridge and no iptables rules (nothing on the host's network changes). Its data
// root is kept in the temp directory between runs, so that a second run reuses the base images and
// the build's layers (not in test/.cache: jest would crawl its hundreds of megabytes of files).
// The classic builder: BuildKit would fetch the frontend named by the Dockerfile's `# syntax=`
// line from Docker Hub.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unmountUnder } from './mounts.js';
import { runAsync, stopChild, type CommandResult } from './processes.js';
import { cacheDir } from './tools.js';

const engineDir = join(cacheDir, 'docker-engine');
const dockerd = join(engineDir, 'usr', 'sbin', 'dockerd');
const docker = join(engineDir, 'usr', 'bin', 'docker');

export interface DockerEngine {
  /** The environment of a command that talks to this engine: DOCKER_HOST, the CLI on PATH, classic builder. */
  env: NodeJS.ProcessEnv;
  /** Runs the docker CLI against this engine; the output is stdout and stderr interleaved. */
  docker(args: string[], options?: { timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<CommandResult>;
  stop(): Promise<void>;
}

export async function startDockerEngine(): Promise<DockerEngine> {
  if (!existsSync(dockerd) || !existsSync(docker)) {
    throw new Error(`the Docker engine is not unpacked (${dockerd} is missing): run test/image/docker-engine.sh`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'iae-dockerd-'));
  const dataRoot = join(tmpdir(), 'iae-testbed-docker');
  mkdirSync(dataRoot, { recursive: true });
  const socket = join(dir, 'docker.sock');
  const host = `unix://${socket}`;
  const child: ChildProcess = spawn(
    dockerd,
    [
      `--data-root=${dataRoot}`,
      `--exec-root=${join(dir, 'exec')}`,
      `--pidfile=${join(dir, 'docker.pid')}`,
      `-H=${host}`,
      '--bridge=none',
      '--iptables=false',
      '--ip-masq=false',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH: `${join(engineDir, 'usr', 'bin')}:${process.env.PATH}` } },
  );
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const env = {
    ...process.env,
    PATH: `${join(engineDir, 'usr', 'bin')}:${process.env.PATH}`,
    DOCKER_HOST: host,
    DOCKER_BUILDKIT: '0',
    DOCKER_CONFIG: join(dir, 'config'),
  };
  const engine: DockerEngine = {
    env,
    docker: (args, options = {}) => runAsync(docker, args, { env: { ...env, ...options.env }, timeoutMs: options.timeoutMs }),
    async stop() {
      await stopChild(child, 20_000);
      await unmountUnder([dir]);
      await rm(dir, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await engine.stop();
      throw new Error(`dockerd exited ${child.exitCode} at start:\n${log.slice(-3000)}`);
    }
    if ((await engine.docker(['version'], { timeoutMs: 10_000 })).code === 0) return engine;
    if (Date.now() > deadline) {
      await engine.stop();
      throw new Error(`dockerd did not answer on ${socket} in 60 s:\n${log.slice(-3000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}
