// Synthetic workloads as the cluster watch hands them to the image index: the four kinds in turn,
// spread over namespaces, one container each, images reused round-robin.
import type { WorkloadInput } from '../../src/index/image-index.js';
import { KIND_NAMES } from '../../src/kube/workload-kinds.js';

export const NAMESPACES = 100;

export function workload(i: number, image: string, prefix = 'app'): WorkloadInput {
  return {
    kind: KIND_NAMES[i % KIND_NAMES.length],
    namespace: `team-${String(i % NAMESPACES).padStart(2, '0')}`,
    name: `${prefix}-${i}`,
    uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    podSpec: { containers: [{ name: 'main', image }] },
  };
}

/** `count` workloads over `images`: workload i uses images[i % images.length]. */
export function workloads(count: number, images: string[], prefix = 'app'): WorkloadInput[] {
  return Array.from({ length: count }, (_, i) => workload(i, images[i % images.length], prefix));
}
