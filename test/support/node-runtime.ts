// The container runtime of the test bed's node: Debian's containerd and runc, run as a process of
// the test's own with its root, state, socket, runc root and CNI directories in a temp dir; the
// pause image made here (busybox) since registry.k8s.io cannot be reached; one hosts.toml per
// registry the test names (plain HTTP, or HTTPS with the test's CA). Stopping it kills every pod's
// processes, unmounts what the pods mounted and removes their network namespaces.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runAsync } from './processes.js';
import { mountsUnder, unmountUnder } from './mounts.js';
import { logTail, stopChild } from './processes.js';
import { repoRoot } from './tools.js';

export const PAUSE_IMAGE = 'testbed.invalid/pause:1';
export const BUSYBOX = '/bin/busybox';

export type NodeRegistry = { host: string; caFile?: string; plainHttp?: boolean };

export interface NodeRuntime {
  /** unix:// address for the kubelet's runtime and image endpoints. */
  endpoint: string;
  /** Writes the registry's hosts.toml; containerd reads the directory at every pull. */
  addRegistry(registry: NodeRegistry): void;
  /** ctr against this containerd in the kubelet's namespace. */
  ctr(args: string[]): Promise<{ code: number | null; output: string }>;
  output(): string;
  stop(): Promise<void>;
}

function containerdConfig(dir: string): string {
  const path = (name: string) => JSON.stringify(join(dir, name));
  return `version = 2
root = ${path('root')}
state = ${path('state')}
[grpc]
  address = ${path('containerd.sock')}
[ttrpc]
  address = ${path('containerd.sock.ttrpc')}
[plugins."io.containerd.internal.v1.opt"]
  path = ${path('opt')}
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${PAUSE_IMAGE}"
  # Root may not lower oom_score_adj here: without this every sandbox fails in runc create.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "native"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = ${path('runc')}
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = ${path('cni/bin')}
    conf_dir = ${path('cni/conf')}
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = ${path('certs.d')}
`;
}

/** A docker-archive tar of one layer holding busybox, run as `busybox sleep`, for `ctr images import`. */
async function writePauseImage(dir: string): Promise<string> {
  const layerRoot = join(dir, 'pause-root', 'bin');
  mkdirSync(layerRoot, { recursive: true });
  copyFileSync(BUSYBOX, join(layerRoot, 'busybox'));
  const archive = join(dir, 'pause-archive');
  mkdirSync(archive, { recursive: true });
  const tarred = await runAsync('tar', ['-C', join(dir, 'pause-root'), '--owner=0', '--group=0', '-cf', join(archive, 'layer.tar'), '.']);
  if (tarred.code !== 0) throw new Error(`making the pause image's layer failed: ${tarred.output}`);
  const diffId = `sha256:${createHash('sha256').update(readFileSync(join(archive, 'layer.tar'))).digest('hex')}`;
  const config = {
    architecture: 'amd64',
    os: 'linux',
    config: { Entrypoint: ['/bin/busybox', 'sleep', '2147483647'] },
    rootfs: { type: 'layers', diff_ids: [diffId] },
  };
  writeFileSync(join(archive, 'config.json'), JSON.stringify(config));
  writeFileSync(join(archive, 'manifest.json'), JSON.stringify([{ Config: 'config.json', RepoTags: [PAUSE_IMAGE], Layers: ['layer.tar'] }]));
  const tar = join(dir, 'pause.tar');
  const packed = await runAsync('tar', ['-C', archive, '-cf', tar, 'manifest.json', 'config.json', 'layer.tar']);
  if (packed.code !== 0) throw new Error(`packing the pause image failed: ${packed.output}`);
  return tar;
}

/** PIDs of processes whose command line names this containerd's socket (its shims). */
function shimPids(socket: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(socket)) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

export async function startNodeRuntime(dir: string): Promise<NodeRuntime> {
  mkdirSync(join(dir, 'cni', 'bin'), { recursive: true });
  mkdirSync(join(dir, 'cni', 'conf'), { recursive: true });
  mkdirSync(join(dir, 'certs.d'), { recursive: true });
  for (const name of ['testbed-veth', 'loopback']) copyFileSync(join(repoRoot, 'test', 'node', 'testbed-veth'), join(dir, 'cni', 'bin', name));
  const cniConfig = { cniVersion: '0.4.0', name: 'testbed', plugins: [{ type: 'testbed-veth', stateDir: join(dir, 'cni', 'state') }] };
  writeFileSync(join(dir, 'cni', 'conf', '10-testbed.conflist'), JSON.stringify(cniConfig));
  writeFileSync(join(dir, 'containerd.toml'), containerdConfig(dir));
  const socket = join(dir, 'containerd.sock');
  // A file, not a pipe: a pipe would stall containerd while a test blocks its event loop.
  const logPath = join(dir, 'containerd.log');
  const logFd = openSync(logPath, 'a');
  const child: ChildProcess = spawn('containerd', ['--config', join(dir, 'containerd.toml')], { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  const log = () => logTail(logPath);
  const ctr = (args: string[]) => runAsync('ctr', ['--address', socket, '-n', 'k8s.io', ...args], { timeoutMs: 120_000 });

  const netnsPaths = new Set<string>();
  const runtime: NodeRuntime = {
    endpoint: `unix://${socket}`,
    addRegistry({ host, caFile, plainHttp }) {
      const hostDir = join(dir, 'certs.d', host);
      mkdirSync(hostDir, { recursive: true });
      const server = `${plainHttp ? 'http' : 'https'}://${host}`;
      const ca = caFile ? `\n  ca = ${JSON.stringify(caFile)}` : '';
      writeFileSync(join(hostDir, 'hosts.toml'), `server = "${server}"\n[host."${server}"]\n  capabilities = ["pull", "resolve"]${ca}\n`);
    },
    ctr,
    output: log,
    async stop() {
      if (child.exitCode === null) {
        await remember(ctr, netnsPaths);
        const tasks = (await ctr(['tasks', 'ls', '-q'])).output.split('\n').filter(Boolean);
        for (const id of tasks) await ctr(['tasks', 'kill', '-a', '-s', 'SIGKILL', id]);
        for (const id of tasks) {
          for (let attempt = 0; attempt < 20 && (await ctr(['tasks', 'delete', id])).code !== 0; attempt++) {
            await new Promise((resolve) => setTimeout(resolve, 250));
          }
        }
      }
      for (const pid of shimPids(socket)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await stopChild(child, 10_000);
      await unmountUnder([dir, ...netnsPaths]);
      for (const path of netnsPaths) await runAsync('rm', ['-f', path]);
      const left = [...mountsUnder([dir, ...netnsPaths]), ...[...netnsPaths].filter((path) => existsSync(path))];
      if (left.length > 0) throw new Error(`the node's runtime left behind: ${left.join(', ')}`);
    },
  };

  const deadline = Date.now() + 30_000;
  while ((await ctr(['version'])).code !== 0) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await runtime.stop();
      throw new Error(`containerd did not start (${child.exitCode === null ? 'no answer in 30 s' : `exit ${child.exitCode}`}):\n${log()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const imported = await ctr(['images', 'import', '--snapshotter', 'native', await writePauseImage(dir)]);
  if (imported.code !== 0) {
    await runtime.stop();
    throw new Error(`importing the pause image into containerd failed: ${imported.output}`);
  }
  return runtime;
}

/** The network namespaces of this containerd's pods, read from their sandboxes' specs, to remove at stop. */
async function remember(ctr: NodeRuntime['ctr'], paths: Set<string>): Promise<void> {
  for (const id of (await ctr(['containers', 'ls', '-q'])).output.split('\n').filter(Boolean)) {
    try {
      const info = JSON.parse((await ctr(['containers', 'info', id])).output) as { Spec?: { linux?: { namespaces?: Array<{ type: string; path?: string }> } } };
      const path = info.Spec?.linux?.namespaces?.find((namespace) => namespace.type === 'network')?.path;
      // /var/run is a link to /run on Debian: mountinfo names the real path.
      if (path && /^\/(var\/)?run\/netns\//.test(path) && existsSync(path)) paths.add(realpathSync(path));
    } catch {
      // a container removed meanwhile
    }
  }
}
