// The watch requests of the cluster watch: one that tells when the API server accepted it, one
// with an Accept header of its own (metadata-only watches).
import { Watch, type KubeConfig } from './client-library.js';
import type { KubeObject } from './kube-object.js';

/**
 * A Watch that calls `onAccepted` when the API server answers a watch request with 200: the watch
 * is re-established. client-node resumes a dropped watch from its resourceVersion without a new
 * list, so a successful list alone would leave the failures of an earlier outage counted. Objects
 * are projected as they arrive, before the informer caches them.
 */
export function watchReportingAccepted(kubeConfig: KubeConfig, onAccepted: () => void, project: (object: KubeObject) => KubeObject): Watch {
  const watch = new Watch(kubeConfig);
  const start = watch.watch.bind(watch);
  watch.watch = async (path, queryParams, callback, done) => {
    // A refused or failed request calls `done` with the error before `watch` returns.
    let failed = false;
    const projecting = (phase: string, object: KubeObject, event: unknown) => callback(phase, OBJECT_EVENTS.has(phase) ? project(object) : object, event);
    const controller = await start(path, queryParams, projecting, (error) => {
      failed = true;
      done(error);
    });
    if (!failed) onAccepted();
    return controller;
  };
  return watch;
}

const OBJECT_EVENTS = new Set(['ADDED', 'MODIFIED', 'DELETED']);

/** The same cluster and credentials, with an Accept header on every watch request. */
export function withAcceptHeader(kubeConfig: KubeConfig, accept: string): KubeConfig {
  const config = Object.create(kubeConfig) as KubeConfig;
  config.applyToFetchOptions = (options) => kubeConfig.applyToFetchOptions({ ...options, headers: { ...options.headers, Accept: accept } });
  return config;
}
