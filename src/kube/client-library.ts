// The parts of @kubernetes/client-node the exporter runs: the kubeconfig with its authentication
// (tokens, client certificates, exec and OIDC plugins, in-cluster service account, proxies) and
// ListWatch; the watch requests themselves are the exporter's own (api-watch.ts). Imported by
// file, never through the package index, which loads every generated API class and model (53 MB
// of JavaScript, most of an idle process's memory). The build bundles the exporter
// (scripts/bundle.mjs) so that config.js, which still names the generated index, takes only the
// two functions it calls from it.
export { KubeConfig } from '@kubernetes/client-node/dist/config.js';
export type { Watch } from '@kubernetes/client-node/dist/watch.js';
export { ListWatch } from '@kubernetes/client-node/dist/cache.js';
export { ADD, DELETE, ERROR, UPDATE } from '@kubernetes/client-node/dist/informer.js';
