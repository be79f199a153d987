// Which exporter asked the registry what, told apart by User-Agent: both send
// `k8s-image-availability-exporter/<version>`, and the Go exporter's go-containerregistry appends
// its own name to it (transport.NewUserAgent).
import type { RegistryRequest } from '../../test/support/registry.js';

export type RequestCounts = { manifests: number; all: number };

export function countRequests(requests: RegistryRequest[]): Record<'ours' | 'peer', RequestCounts> {
  const counts = { ours: { manifests: 0, all: 0 }, peer: { manifests: 0, all: 0 } };
  for (const r of requests) {
    if (!r.userAgent.startsWith('k8s-image-availability-exporter/')) continue;
    const side = r.userAgent.includes('go-containerregistry') ? counts.peer : counts.ours;
    side.all++;
    if (r.path.includes('/manifests/')) side.manifests++;
  }
  return counts;
}
