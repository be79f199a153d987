// The watch of an informer, in the shape client-node's ListWatch calls: objects projected as they
// arrive, before the informer caches them, and a call when the API server accepts the watch.
import type { Watch, KubeConfig } from './client-library.js';
import { ApiWatch } from './api-watch.js';
import type { KubeObject } from './kube-object.js';

/**
 * `onAccepted` runs when the API server answers a watch request with 200: the watch is
 * re-established. ListWatch resumes a dropped watch from its resourceVersion without a new list,
 * so a successful list alone would leave the failures of an earlier outage counted.
 */
export function informerWatch(kubeConfig: KubeConfig, accept: string | undefined, onAccepted: () => void, project: (object: KubeObject) => KubeObject): Watch {
  const watch = new ApiWatch(kubeConfig, { accept, onAccepted });
  const projected: Pick<Watch, 'watch'> = {
    watch: (path, queryParams, callback, done) =>
      watch.watch(path, queryParams, (phase: string, object: KubeObject, event: unknown) => callback(phase, OBJECT_EVENTS.has(phase) ? project(object) : object, event), done),
  };
  return projected as Watch;
}

const OBJECT_EVENTS = new Set(['ADDED', 'MODIFIED', 'DELETED']);
