// Reading pods on the test node: waiting for a pod to reach a state (failing with its events and
// its container's log when it does not), and finding a container's process on the node to read
// what the kernel applies to it (its user, its root filesystem, its cgroup's memory limit).
import { readFileSync } from 'node:fs';
import { kubectl } from './kubectl.js';
import type { TestNode } from './node.js';
import { processMemory } from './processes.js';

export type PodView = {
  metadata: { name: string; namespace: string; uid: string };
  spec: { nodeName?: string; hostNetwork?: boolean; volumes?: Array<{ name: string; projected?: unknown }> };
  status: {
    phase?: string;
    conditions?: Array<{ type: string; status: string }>;
    containerStatuses?: Array<{
      name: string;
      ready: boolean;
      containerID?: string;
      imageID?: string;
      state?: { waiting?: { reason?: string; message?: string }; running?: object; terminated?: { reason?: string; exitCode?: number } };
    }>;
  };
};

export async function listPods(kubeconfig: string, namespace: string, selector?: string): Promise<PodView[]> {
  const result = await kubectl(kubeconfig, ['get', 'pods', '-n', namespace, ...(selector ? ['-l', selector] : []), '-o', 'json']);
  if (result.code !== 0) throw new Error(`kubectl get pods -n ${namespace}: ${result.stderr}`);
  return (JSON.parse(result.stdout) as { items: PodView[] }).items;
}

export const isReady = (pod: PodView) => pod.status.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ?? false;

/** The pod's events and each container's log on the node: what a user would read when a pod does not come up. */
export async function explainPod(kubeconfig: string, node: TestNode, pod: PodView): Promise<string> {
  const events = await kubectl(kubeconfig, ['get', 'events', '-n', pod.metadata.namespace, '--field-selector', `involvedObject.name=${pod.metadata.name}`, '-o', 'custom-columns=TYPE:.type,REASON:.reason,MESSAGE:.message']);
  const logs = (pod.status.containerStatuses ?? []).map((container) => `--- log of ${container.name}\n${node.containerLog(pod.metadata.namespace, pod.metadata.name, container.name)}`);
  return [`pod ${pod.metadata.namespace}/${pod.metadata.name}: ${JSON.stringify(pod.status.containerStatuses ?? pod.status.phase)}`, `--- events\n${events.stdout || events.stderr}`, ...logs].join('\n');
}

/** Waits until some pod matching `selector` satisfies `accept`; fails with the pods' events and logs. */
export async function waitForPod(
  kubeconfig: string,
  node: TestNode,
  namespace: string,
  selector: string,
  accept: (pod: PodView) => boolean,
  timeoutMs: number,
  what: string,
): Promise<PodView> {
  const deadline = Date.now() + timeoutMs;
  let pods: PodView[] = [];
  while (Date.now() < deadline) {
    pods = await listPods(kubeconfig, namespace, selector);
    const found = pods.find(accept);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const explained = await Promise.all(pods.map((pod) => explainPod(kubeconfig, node, pod)));
  throw new Error(`no pod ${namespace}/${selector} was ${what} within ${timeoutMs / 1000} s\n${explained.join('\n') || '(no pod at all)'}\n${node.output().slice(-4000)}`);
}

/** The PID on the node of a container's main process, from containerd's task list. */
export async function containerPid(node: TestNode, containerID: string): Promise<number> {
  const id = containerID.replace(/^containerd:\/\//, '');
  const tasks = await node.runtime.ctr(['tasks', 'ls']);
  const line = tasks.output.split('\n').find((row) => row.startsWith(id));
  if (!line) throw new Error(`container ${id} has no task on the node:\n${tasks.output}`);
  return Number(line.trim().split(/\s+/)[1]);
}

/** What the kernel applies to a process: its uids, whether / is mounted read-only, its memory cgroup's limit. */
export function processConfinement(pid: number): { uid: number; gid: number; readOnlyRoot: boolean; memoryLimitBytes: number; memoryUsageBytes: number; rssBytes: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
  const gid = Number(/^Gid:\s+(\d+)/m.exec(status)?.[1]);
  const rssBytes = processMemory(pid).rss;
  // mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS ...; the process's own / is its root.
  const rootMount = readFileSync(`/proc/${pid}/mountinfo`, 'utf8')
    .split('\n')
    .map((line) => line.split(' '))
    .filter((fields) => fields[4] === '/')
    .pop();
  const readOnlyRoot = rootMount?.[5]?.split(',').includes('ro') ?? false;
  const cgroups = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
  const v1 = cgroups.find((line) => /^\d+:memory:/.test(line));
  const memoryDir = v1 ? `/sys/fs/cgroup/memory${v1.split(':')[2]}` : `/sys/fs/cgroup${cgroups.find((line) => line.startsWith('0::'))!.slice(3)}`;
  const read = (file: string) => readFileSync(`${memoryDir}/${file}`, 'utf8').trim();
  const memoryLimitBytes = Number(v1 ? read('memory.limit_in_bytes') : read('memory.max'));
  const memoryUsageBytes = Number(v1 ? read('memory.usage_in_bytes') : read('memory.current'));
  return { uid, gid, readOnlyRoot, memoryLimitBytes, memoryUsageBytes, rssBytes };
}
