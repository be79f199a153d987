// What the exporter should export, from what the API server holds, against what it does export:
// one line per workload container, `kind namespace/name container image status`. After the
// churn has settled the two must be equal: a missing line is a missed alarm (or a workload the
// exporter lost), an unexpected one a false alarm (or a deleted workload's leftover).
import type * as k8s from '@kubernetes/client-node';
import type { KubeApi } from '../src/kube/kube-api.js';
import { WORKLOAD_KINDS } from '../src/kube/workload-kinds.js';
import type { KubeObject } from '../src/kube/kube-object.js';
import { parseMetrics } from '../test/support/metrics-text.js';

const PAGE = 500;
const FAMILY = /^k8s_image_availability_exporter_(deployment|statefulset|daemonset|cronjob)_([a-z0-9_]+)$/;

export type SeriesDiff = { expected: number; exported: number; missing: string[]; unexpected: string[] };

/** Every container of every workload in the API server, with the status its image must have. */
export async function expectedLines(api: KubeApi, presentImages: ReadonlySet<string>): Promise<Set<string>> {
  const lines = new Set<string>();
  for (const kind of WORKLOAD_KINDS) {
    let next: string | undefined;
    do {
      const page = await api.listPage(kind.apiPath, { limit: PAGE, continue: next });
      for (const object of page.items as KubeObject[]) {
        const spec = kind.podSpec(object) as k8s.V1PodSpec | undefined;
        for (const container of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
          const status = presentImages.has(container.image ?? '') ? 'available' : 'absent';
          lines.add(`${kind.kind} ${object.metadata?.namespace}/${object.metadata?.name} ${container.name} ${container.image} ${status}`);
        }
      }
      next = page.metadata?.continue;
    } while (next);
  }
  return lines;
}

/** The availability gauges set to 1 in a /metrics text, as the same lines. */
export function exportedLines(metricsText: string): Set<string> {
  const lines = new Set<string>();
  for (const series of parseMetrics(metricsText)) {
    const family = FAMILY.exec(series.name);
    if (!family || series.value !== 1) continue;
    const [, kind, status] = family;
    const { namespace, container, image } = series.labels;
    lines.add(`${kind} ${namespace}/${series.labels[kind]} ${container} ${image} ${status}`);
  }
  return lines;
}

export function diffLines(expected: Set<string>, exported: Set<string>): SeriesDiff {
  return {
    expected: expected.size,
    exported: exported.size,
    missing: [...expected].filter((line) => !exported.has(line)).sort(),
    unexpected: [...exported].filter((line) => !expected.has(line)).sort(),
  };
}

