// Reading both sides of a batch of scenario pods: what the kubelet did with each pod's image (its
// pod status and events: Pulled, or Failed with containerd's message), and the exporter's verdict
// for the same pod container (/api/images: status and reason).
import { kubectl } from '../support/kubectl.js';
import type { PodView } from '../support/node-pods.js';
import type { KubeletOutcome } from './scenario-types.js';

export type KubeletView = { outcome: KubeletOutcome; message: string };
export type ExporterView = { status: string; reason: string };

type Event = { reason?: string; message?: string; involvedObject: { name: string } };
type ImagesPage = { images: Array<{ status: string; reason: string; workloads: Array<{ kind: string; namespace: string; name: string }> }> };

/**
 * Waiting reasons of a container whose image was pulled (it failed later) or is being pulled. Any
 * other waiting reason is a failed pull: ErrImagePull, ImagePullBackOff, InvalidImageName, or the
 * error itself when the kubelet could not read the pod's pull secrets ("illegal base64 data...").
 */
const NOT_A_PULL_FAILURE = ['', 'ContainerCreating', 'PodInitializing', 'CreateContainerError', 'CreateContainerConfigError', 'RunContainerError', 'PreStartHookError', 'PostStartHookError'];
const POLL_MS = 2000;

async function getJson<T>(kubeconfig: string, args: string[]): Promise<T> {
  const result = await kubectl(kubeconfig, [...args, '-o', 'json'], undefined, 60_000);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

function kubeletView(pod: PodView | undefined, events: Event[]): KubeletView | undefined {
  const container = pod?.status.containerStatuses?.[0];
  const mine = events.filter((event) => event.involvedObject.name === pod?.metadata.name);
  const failed = mine.find((event) => event.reason === 'Failed' && /Failed to pull image|rpc error/.test(event.message ?? ''));
  if (mine.some((event) => event.reason === 'Pulled') || container?.imageID || container?.state?.running || container?.state?.terminated) {
    return { outcome: 'pulled', message: mine.find((event) => event.reason === 'Pulled')?.message ?? 'pulled' };
  }
  const waiting = container?.state?.waiting;
  if (failed || !NOT_A_PULL_FAILURE.includes(waiting?.reason ?? '')) {
    return { outcome: 'not pulled', message: `${waiting?.reason ?? 'Failed'}: ${failed?.message ?? waiting?.message ?? ''}` };
  }
  return undefined;
}

/** Waits until the kubelet pulled or failed each pod's image; pods still without either after `boundMs` are "still pulling". */
export async function observeKubelet(kubeconfig: string, namespace: string, selector: string, pods: string[], boundMs: number): Promise<Map<string, KubeletView>> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const [podList, eventList] = await Promise.all([
      getJson<{ items: PodView[] }>(kubeconfig, ['get', 'pods', '-n', namespace, '-l', selector]),
      getJson<{ items: Event[] }>(kubeconfig, ['get', 'events', '-n', namespace]),
    ]);
    const views = new Map(pods.map((name) => [name, kubeletView(podList.items.find((pod) => pod.metadata.name === name), eventList.items)] as const));
    if ([...views.values()].every(Boolean) || Date.now() > deadline) {
      return new Map(
        pods.map((name) => {
          const lastEvent = eventList.items.filter((event) => event.involvedObject.name === name).pop();
          return [name, views.get(name) ?? { outcome: 'still pulling', message: `kubelet still pulling after ${boundMs / 1000} s (last event: ${lastEvent?.reason ?? 'none'} ${lastEvent?.message ?? ''})` }];
        }),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Waits until the exporter has a verdict other than pending for each pod's container. */
export async function observeExporter(exporterUrl: string, namespace: string, pods: string[], timeoutMs: number): Promise<Map<string, ExporterView>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let page: ImagesPage;
    try {
      page = (await (await fetch(`${exporterUrl}/api/images?limit=500&namespace=${namespace}`)).json()) as ImagesPage;
    } catch (error) {
      // On a loaded machine a read of the page can be cut off (the exporter drops readers that stall); the next poll asks again.
      if (Date.now() > deadline) throw new Error(`the exporter's /api/images could not be read: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      continue;
    }
    const views = new Map<string, ExporterView>();
    for (const report of page.images) {
      for (const workload of report.workloads) {
        if (workload.kind === 'pod' && pods.includes(workload.name) && report.status !== 'pending') views.set(workload.name, { status: report.status, reason: report.reason });
      }
    }
    if (views.size === pods.length || Date.now() > deadline) {
      return new Map(pods.map((name) => [name, views.get(name) ?? { status: 'pending', reason: `no verdict within ${timeoutMs / 1000} s` }]));
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
