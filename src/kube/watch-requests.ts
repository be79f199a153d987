// The watch of an informer, in the shape client-node's ListWatch calls: objects projected as they
// arrive, before the informer caches them, and a call when the API server accepts the watch. An
// object the projection keeps nothing of arrives as deleted: the cache drops it if it held it (an
// update took it out of this replica's shard), and the watch resumes after it either way.
import type { Watch, KubeConfig } from './client-library.js';
import { ApiWatch } from './api-watch.js';
import type { KubeObject } from './kube-object.js';

/**
 * `onAccepted` runs when the API server answers a watch request with 200: the watch is
 * re-established. ListWatch resumes a dropped watch from its resourceVersion without a new list,
 * so a successful list alone would leave the failures of an earlier outage counted.
 */
export function informerWatch(kubeConfig: KubeConfig, accept: string | undefined, onAccepted: () => void, project: (object: KubeObject) => KubeObject | undefined): Watch {
  const watch = new ApiWatch(kubeConfig, { accept, onAccepted });
  const projected: Pick<Watch, 'watch'> = {
    watch: (path, queryParams, callback, done) =>
      watch.watch(
        path,
        queryParams,
        (phase: string, object: KubeObject, event: unknown) => {
          if (!OBJECT_EVENTS.has(phase)) return callback(phase, object, event);
          const kept = project(object);
          callback(kept ? phase : 'DELETED', kept ?? identity(object), event);
        },
        done,
      ),
  };
  return projected as Watch;
}

/** What the cache needs to drop an object and the watch to resume after it. */
function identity(object: KubeObject): KubeObject {
  const { name, namespace, resourceVersion } = object.metadata ?? {};
  return { metadata: { name, namespace, resourceVersion } };
}

const OBJECT_EVENTS = new Set(['ADDED', 'MODIFIED', 'DELETED']);
