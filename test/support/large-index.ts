// A large cluster held in memory for the HTTP tests: `containers` workloads of the four kinds over
// 100 namespaces, 6 000 distinct images of which every tenth is absent (with the reason a registry
// check would give), all checked just now.
import { CheckResults } from '../../src/checks/results.js';
import { ImageFilter } from '../../src/index/image-filter.js';
import { ImageIndex } from '../../src/index/image-index.js';
import { KIND_NAMES } from '../../src/kube/workload-kinds.js';

export function largeIndex(containers: number): { index: ImageIndex; results: CheckResults } {
  const index = new ImageIndex(new ImageFilter([]), { unitAdded: () => {}, unitRemoved: () => {} });
  const results = new CheckResults();
  for (let i = 0; i < containers; i++) {
    const j = i % 6000;
    const image = `registry.example.com/team-${j % 50}/service-${j}:v1.${j % 7}.0`;
    index.upsertWorkload({ kind: KIND_NAMES[i % 4], namespace: `team-${i % 100}`, name: `app-${i}`, podSpec: { containers: [{ name: 'main', image }] } });
    const absent = j % 10 === 0;
    const message = absent ? `404 for HEAD /v2/team-${j % 50}/service-${j}/manifests/v1.${j % 7}.0 anonymously` : '';
    results.set(image, { status: absent ? 'absent' : 'available', message, registry: 'registry.example.com', checkedAt: Date.now(), durationMs: 3, consecutiveFailures: 0 });
  }
  return { index, results };
}
