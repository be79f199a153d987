// Filling the test bed's real API server with workloads for the benchmarks that run the exporter
// as a process of its own: the four kinds in turn over the namespaces, one container each, images
// round-robin (as bench/lib/workloads.ts does for the in-process cases).
import { Agent, request } from 'undici';
import { KubeConfig } from '../../src/kube/client-library.js';
import { KIND_NAMES } from '../../src/kube/workload-kinds.js';
import type { ApiServer } from '../../test/support/apiserver.js';
import { log, pool } from './stats.js';

export const NAMESPACES = 100;
const CREATE_CONCURRENCY = 16;

export type ApiWriter = { post(path: string, body: unknown): Promise<void>; patch(path: string, body: unknown): Promise<void>; close(): Promise<void> };

/** POSTs to the API server over kept-alive connections, with the admin kubeconfig's credentials. */
export async function apiWriter(api: ApiServer): Promise<ApiWriter> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(api.kubeconfigPath);
  const tls: { ca?: Buffer; cert?: Buffer; key?: Buffer; headers?: Record<string, string> } = {};
  await kubeConfig.applyToHTTPSOptions(tls);
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

/** The API path and body that create one workload of `kind` (a KIND_NAMES entry) running `image`. */
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
 * Creates one workload of `kind` in `namespace` through `writer`. A DaemonSet also gets the status
 * its controller would give it on a one-node cluster (the test bed runs no controllers), for
 * exporters that read it: the Go exporter skips DaemonSets with no scheduled pod.
 */
export async function createWorkload(writer: ApiWriter, namespace: string, kind: string, name: string, image: string): Promise<void> {
  const { path, body } = workloadObject(kind, name, image);
  const { kind: resource, ...object } = body as { kind: string };
  await writer.post(`/${path}/namespaces/${namespace}/${resource}`, object);
  if (resource === 'daemonsets') {
    const status = { currentNumberScheduled: 1, desiredNumberScheduled: 1, numberMisscheduled: 0, numberReady: 1 };
    await writer.patch(`/${path}/namespaces/${namespace}/${resource}/${name}/status`, { status });
  }
}

export function namespaceName(i: number): string {
  return `team-${String(i).padStart(2, '0')}`;
}

/** `count` workloads app-0… over NAMESPACES namespaces, the kinds and `images` taken in turn. */
export async function createWorkloads(api: ApiServer, count: number, images: string[]): Promise<void> {
  const writer = await apiWriter(api);
  try {
    await pool(Array.from({ length: NAMESPACES }, (_, i) => i), CREATE_CONCURRENCY, (i) => writer.post('/api/v1/namespaces', { metadata: { name: namespaceName(i) } }));
    let done = 0;
    await pool(Array.from({ length: count }, (_, i) => i), CREATE_CONCURRENCY, async (i) => {
      await createWorkload(writer, namespaceName(i % NAMESPACES), KIND_NAMES[i % KIND_NAMES.length], `app-${i}`, images[i % images.length]);
      if (++done % 10_000 === 0) log(`created ${done} workloads`);
    });
  } finally {
    await writer.close();
  }
}
