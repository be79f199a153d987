// Workloads written to a real API server (the test bed's) the way a user's kubectl apply writes
// them, and a bare watch of one resource, the floor any watcher of the API server has: shared by
// bench:large and the cases that run the exporter as a process against the API server.
import { Agent, request } from 'undici';
import { KubeConfig } from '../../src/kube/client-library.js';
import { KIND_NAMES } from '../../src/kube/workload-kinds.js';
import type { ApiServer } from '../../test/support/apiserver.js';
import { log, pool } from './stats.js';

export const NAMESPACES = 100;
const CREATE_CONCURRENCY = 16;

type Credentials = { ca?: Buffer; cert?: Buffer; key?: Buffer; headers?: Record<string, string> };

async function adminCredentials(api: ApiServer): Promise<Credentials> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(api.kubeconfigPath);
  const tls: Credentials = {};
  await kubeConfig.applyToHTTPSOptions(tls);
  return tls;
}

export type ApiWriter = { post(path: string, body: unknown): Promise<void>; patch(path: string, body: unknown): Promise<void>; close(): Promise<void> };

/** POSTs (and merge-PATCHes) to the API server over kept-alive connections, with the admin kubeconfig's credentials. */
export async function apiWriter(api: ApiServer): Promise<ApiWriter> {
  const tls = await adminCredentials(api);
  const agent = new Agent({ connect: { ca: tls.ca, cert: tls.cert, key: tls.key }, connections: CREATE_CONCURRENCY });
  const send = async (method: 'POST' | 'PATCH', path: string, body: unknown, contentType: string, accepted: number[]) => {
    const response = await request(`${api.url}${path}`, { method, dispatcher: agent, headers: { ...tls.headers, 'content-type': contentType }, body: JSON.stringify(body) });
    const text = await response.body.text();
    if (!accepted.includes(response.statusCode)) throw new Error(`${method} ${path} answered ${response.statusCode}: ${text.slice(0, 300)}`);
  };
  return {
    post: (path, body) => send('POST', path, body, 'application/json', [201, 409]),
    patch: (path, body) => send('PATCH', path, body, 'application/merge-patch+json', [200]),
    close: () => agent.close(),
  };
}

export function workloadObject(kind: string, name: string, image: string): { path: string; body: unknown } {
  const labels = { app: name };
  const template = (restartPolicy: string) => ({ metadata: { labels }, spec: { restartPolicy, containers: [{ name: 'main', image }] } });
  switch (kind) {
    case 'deployment':
      return { path: 'apis/apps/v1', body: { kind: 'deployments', metadata: { name }, spec: { selector: { matchLabels: labels }, template: template('Always') } } };
    case 'statefulset':
      return { path: 'apis/apps/v1', body: { kind: 'statefulsets', metadata: { name }, spec: { serviceName: name, selector: { matchLabels: labels }, template: template('Always') } } };
    case 'daemonset':
      return { path: 'apis/apps/v1', body: { kind: 'daemonsets', metadata: { name }, spec: { selector: { matchLabels: labels }, template: template('Always') } } };
    default:
      return { path: 'apis/batch/v1', body: { kind: 'cronjobs', metadata: { name }, spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: template('OnFailure') } } } } };
  }
}

/**
 * Creates one workload of `kind` in `namespace`; resolves when the API server has answered. A
 * DaemonSet also gets the status its controller would give it on a one-node cluster (the test bed
 * runs no controllers), for exporters that read it: the Go exporter skips DaemonSets with no
 * scheduled pod.
 */
export async function createWorkload(writer: ApiWriter, kind: string, namespace: string, name: string, image: string): Promise<void> {
  const { path, body } = workloadObject(kind, name, image);
  const { kind: resource, ...object } = body as { kind: string };
  await writer.post(`/${path}/namespaces/${namespace}/${resource}`, object);
  if (resource === 'daemonsets') {
    const status = { currentNumberScheduled: 1, desiredNumberScheduled: 1, numberMisscheduled: 0, numberReady: 1 };
    await writer.patch(`/${path}/namespaces/${namespace}/${resource}/${name}/status`, { status });
  }
}

/**
 * Workloads app-`from` … app-`count - 1`: the four kinds in turn over the namespaces (created
 * too, with `extraNamespaces`), one container each, images round-robin (as bench/lib/workloads.ts).
 */
export async function createWorkloads(api: ApiServer, count: number, images: string[], extraNamespaces: string[] = [], from = 0): Promise<void> {
  const writer = await apiWriter(api);
  try {
    await pool(Array.from({ length: NAMESPACES }, (_, i) => i), CREATE_CONCURRENCY, (i) => writer.post('/api/v1/namespaces', { metadata: { name: namespaceName(i) } }));
    for (const name of extraNamespaces) await writer.post('/api/v1/namespaces', { metadata: { name } });
    let done = 0;
    await pool(Array.from({ length: count - from }, (_, i) => from + i), CREATE_CONCURRENCY, async (i) => {
      await createWorkload(writer, KIND_NAMES[i % KIND_NAMES.length], namespaceName(i % NAMESPACES), `app-${i}`, images[i % images.length]);
      if (++done % 10_000 === 0) log(`created ${done} workloads`);
    });
  } finally {
    await writer.close();
  }
}

export function namespaceName(i: number): string {
  return `team-${String(i).padStart(2, '0')}`;
}

/**
 * A bare watch of `path` (e.g. /apis/apps/v1/deployments) from now on: `onAdded` gets the name of
 * each object added, as soon as its event line arrives. No informer, no cache: the floor.
 */
export async function bareWatch(api: ApiServer, path: string, onAdded: (name: string) => void): Promise<{ close(): Promise<void> }> {
  const tls = await adminCredentials(api);
  const agent = new Agent({ connect: { ca: tls.ca, cert: tls.cert, key: tls.key } });
  const list = await request(`${api.url}${path}?limit=1`, { dispatcher: agent, headers: tls.headers });
  const { metadata } = (await list.body.json()) as { metadata: { resourceVersion: string } };
  const controller = new AbortController();
  const watch = await request(`${api.url}${path}?watch=1&allowWatchBookmarks=false&resourceVersion=${metadata.resourceVersion}`, { dispatcher: agent, headers: tls.headers, signal: controller.signal });
  let pending = '';
  watch.body.setEncoding('utf8');
  watch.body.on('data', (chunk: string) => {
    pending += chunk;
    for (let newline = pending.indexOf('\n'); newline !== -1; newline = pending.indexOf('\n')) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      const event = JSON.parse(line) as { type: string; object: { metadata?: { name?: string } } };
      if (event.type === 'ADDED' && event.object.metadata?.name) onAdded(event.object.metadata.name);
    }
  });
  watch.body.on('error', () => {});
  return {
    close: async () => {
      controller.abort();
      await agent.close();
    },
  };
}
