// A real Kubernetes node for a test: the kubelet, kube-scheduler and kube-controller-manager of
// test/.cache/bin/kube-node (built by test/apiserver/build.sh from the API server's Kubernetes
// module) on the test bed's API server, with containerd and runc as its runtime
// (node-runtime.ts). Workloads become pods that are scheduled, pulled and run; the kubelet's pulls
// are the truth the exporter's verdicts are compared with.
//
// Network: the node is named `localhost`, so the API server reaches the kubelet (logs,
// port-forward) on 127.0.0.1 through the node's Hostname address; pods that are not host-network
// get addresses that exist only inside their own network namespaces (test/node/testbed-veth).
// Every process is stopped by its PID, and what the pods mounted is unmounted.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiServer } from './apiserver.js';
import { kubectl } from './kubectl.js';
import { startNodeRuntime, BUSYBOX, type NodeRegistry, type NodeRuntime } from './node-runtime.js';
import { unmountUnder } from './mounts.js';
import { freePort, logTail, stopChild } from './processes.js';
import { cacheDir, repoRoot, which } from './tools.js';

export type { NodeRegistry } from './node-runtime.js';

export const NODE_NAME = 'localhost';
const binary = join(cacheDir, 'bin', 'kube-node');
const READY_TIMEOUT_MS = 180_000;

export interface TestNode {
  name: string;
  runtime: NodeRuntime;
  /** The kubelet's `podLogsDir`: <namespace>_<pod>_<uid>/<container>/<n>.log. */
  podLogsDir: string;
  /** The last lines of a container's log as the kubelet keeps it. */
  containerLog(namespace: string, pod: string, container: string): string;
  /** Output of the kubelet, scheduler and controller manager, for a failure message. */
  output(): string;
  stop(): Promise<void>;
}

/** What the node needs from this machine, with the line that says what is missing. */
export function missingForNode(): string | undefined {
  if (!existsSync(binary)) return `kube-node is not built (${binary}): run test/apiserver/build.sh`;
  const built = statSync(binary).mtimeMs;
  for (const source of ['node/main.go', 'go.mod', 'go.sum', 'build.sh']) {
    if (statSync(join(repoRoot, 'test', 'apiserver', source)).mtimeMs > built) return `kube-node is older than test/apiserver/${source}: run test/apiserver/build.sh`;
  }
  for (const command of ['containerd', 'containerd-shim-runc-v2', 'ctr', 'runc', 'ip', 'nsenter', 'flock']) {
    if (!which(command)) return `${command} is not installed: run test/install-prereqs.sh (Debian packages containerd, runc, iproute2, util-linux)`;
  }
  if (!existsSync(BUSYBOX)) return `${BUSYBOX} is missing (Debian package busybox-static): the node's pause image is made of it`;
  if (process.getuid?.() !== 0) return 'the node runs containers: the test must run as root';
  if (!existsSync('/sys/fs/cgroup')) return 'no /sys/fs/cgroup: the kernel has no cgroups for the containers';
  return undefined;
}

type Component = { name: string; child: ChildProcess; log: () => string };

// Logs go to files: a pipe would stall a component while a test blocks its event loop.
function startComponent(dir: string, name: string, args: string[]): Component {
  const logPath = join(dir, `${name}.log`);
  const logFd = openSync(logPath, 'a');
  const child = spawn(binary, [name, ...args], { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  return { name, child, log: () => logTail(logPath) };
}

export type NodeOptions = {
  /**
   * Pull images in parallel instead of one by one (a default kubelet's serializeImagePulls). A
   * serial kubelet stuck on a registry that never answers stalls every later pull on the node; a
   * test comparing each pull's own outcome cannot have that.
   */
  parallelImagePulls?: boolean;
  /**
   * Lift the kubelet's registryPullQPS (default 5 a second, bursts of 10), past which a pull fails
   * at once with "pull QPS exceeded" without asking the registry: a test starting dozens of pods at
   * once compares registries, not the kubelet's throttle.
   */
  unthrottledPulls?: boolean;
};

function kubeletConfig(dir: string, runtime: NodeRuntime, port: number, healthzPort: number, options: NodeOptions): string {
  return JSON.stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    cgroupDriver: 'cgroupfs',
    // The machine's cgroups are not the kubelet's to arrange: no QoS tree, no allocatable enforcement.
    cgroupsPerQOS: false,
    enforceNodeAllocatable: [],
    failSwapOn: false,
    containerRuntimeEndpoint: runtime.endpoint,
    imageServiceEndpoint: runtime.endpoint,
    address: '127.0.0.1',
    port,
    healthzBindAddress: '127.0.0.1',
    healthzPort,
    readOnlyPort: 0,
    authentication: { anonymous: { enabled: true }, webhook: { enabled: false } },
    authorization: { mode: 'AlwaysAllow' },
    // A shared test machine: never evict or collect images because its disk or memory is full.
    evictionHard: { 'memory.available': '0%', 'nodefs.available': '0%', 'nodefs.inodesFree': '0%', 'imagefs.available': '0%' },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    podLogsDir: join(dir, 'pod-logs'),
    // Images are pulled one by one as in a default kubelet, unless the test asks otherwise.
    serializeImagePulls: !options.parallelImagePulls,
    ...(options.unthrottledPulls && { registryPullQPS: 0 }),
  });
}

export async function startNode(apiServer: ApiServer, registries: NodeRegistry[] = [], options: NodeOptions = {}): Promise<TestNode> {
  const missing = missingForNode();
  if (missing) throw new Error(`cannot start the test node: ${missing}`);
  const dir = await mkdtemp(join(tmpdir(), 'iae-node-'));
  const components: Component[] = [];
  let runtime: NodeRuntime | undefined;
  const output = () =>
    [...components.map((component) => `--- ${component.name}\n${component.log()}`), `--- containerd\n${runtime?.output().slice(-4000) ?? ''}`].join('\n');
  const stop = async () => {
    for (const component of [...components].reverse()) await stopChild(component.child, 10_000);
    await runtime?.stop();
    await unmountUnder([dir]);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    runtime = await startNodeRuntime(join(dir, 'containerd'));
    for (const registry of registries) runtime.addRegistry(registry);
    const pki = join(apiServer.dataDir, 'pki');
    const kubeconfig = apiServer.kubeconfigPath;
    components.push(
      startComponent(dir, 'controller-manager', [
        `--kubeconfig=${kubeconfig}`,
        '--leader-elect=false',
        '--secure-port=0',
        // Published into every namespace as kube-root-ca.crt: the CA of a pod's projected token.
        `--root-ca-file=${join(pki, 'serving.crt')}`,
        `--service-account-private-key-file=${join(pki, 'sa.key')}`,
        '--use-service-account-credentials=false',
        // No cloud, no node IPAM: pod addresses come from the node's CNI plugin.
        '--controllers=*,-cloud-node-lifecycle,-service-lb-controller,-node-route-controller',
        '--node-monitor-grace-period=40s',
      ]),
      startComponent(dir, 'scheduler', [`--kubeconfig=${kubeconfig}`, '--leader-elect=false', '--secure-port=0']),
    );
    const kubeletDir = join(dir, 'kubelet');
    mkdirSync(join(dir, 'pod-logs'), { recursive: true });
    writeFileSync(join(dir, 'kubelet.json'), kubeletConfig(dir, runtime, await freePort(), await freePort(), options));
    components.push(
      startComponent(dir, 'kubelet', [
        `--config=${join(dir, 'kubelet.json')}`,
        `--kubeconfig=${kubeconfig}`,
        `--root-dir=${kubeletDir}`,
        `--cert-dir=${join(kubeletDir, 'pki')}`,
        `--hostname-override=${NODE_NAME}`,
      ]),
    );
    await waitForReadyNode(kubeconfig, components);
  } catch (error) {
    const why = `${(error as Error).message}\n${output()}`;
    await stop();
    throw new Error(why);
  }
  return {
    name: NODE_NAME,
    runtime,
    podLogsDir: join(dir, 'pod-logs'),
    containerLog(namespace, pod, container) {
      const podDir = readdirSync(join(dir, 'pod-logs')).find((entry) => entry.startsWith(`${namespace}_${pod}_`));
      if (!podDir) return `(no log: pod ${namespace}/${pod} never ran on the node)`;
      const containerDir = join(dir, 'pod-logs', podDir, container);
      if (!existsSync(containerDir)) return `(no log: container ${container} never started)`;
      return readdirSync(containerDir)
        .sort()
        .map((file) => readFileSync(join(containerDir, file), 'utf8'))
        .join('')
        .slice(-8000);
    },
    output,
    stop,
  };
}

async function waitForReadyNode(kubeconfig: string, components: Component[]): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = '';
  while (Date.now() < deadline) {
    const exited = components.find((component) => component.child.exitCode !== null);
    if (exited) throw new Error(`the node's ${exited.name} exited ${exited.child.exitCode} at start`);
    const node = await kubectl(kubeconfig, ['get', 'node', NODE_NAME, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].message}']);
    last = node.code === 0 ? node.stdout : node.stderr;
    if (node.code === 0 && node.stdout.startsWith('True')) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`node ${NODE_NAME} was not Ready in ${READY_TIMEOUT_MS / 1000} s (last: ${last.trim() || 'not registered'})`);
}
