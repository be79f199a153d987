// --metrics-format: the seed's per-kind families, the unified families of the Go exporter since
// v0.7, or both. The label sets are compared with what the Go exporter's README documents for each
// generation (v0.6.1 and earlier: <TYPE> in the name; v0.7.0 to v0.15.0: kind and name labels).
import { CheckResults } from '../../src/checks/results.js';
import { ImageFilter } from '../../src/index/image-filter.js';
import { ImageIndex } from '../../src/index/image-index.js';
import { availabilityChunks } from '../../src/metrics/metrics.js';
import { parseMetrics, type Series } from '../support/metrics-text.js';

/** The Go exporter's README, v0.7.0 to v0.15.0, "Metrics": names, labels and the values of `kind`. */
const GO_UNIFIED = {
  names: ['available', 'absent', 'bad_image_format', 'registry_unavailable', 'authentication_failure', 'authorization_failure', 'unknown_error'].map((status) => `k8s_image_availability_exporter_${status}`),
  labels: ['container', 'image', 'kind', 'name', 'namespace'],
  kinds: ['deployment', 'statefulset', 'daemonset', 'cronjob'],
};
/** Its README up to v0.6.1: `k8s_image_availability_exporter_<TYPE>_<status>`, eight statuses. */
const GO_PER_KIND = {
  statuses: ['available', 'bad_image_format', 'absent', 'registry_unavailable', 'registry_v1_api_not_supported', 'authentication_failure', 'authorization_failure', 'unknown_error'],
  types: ['deployment', 'statefulset', 'daemonset', 'cronjob'],
};

function exported(format: 'per-kind' | 'unified' | 'both'): Series[] {
  const results = new CheckResults();
  const index = new ImageIndex(new ImageFilter([]), { unitAdded: () => {}, unitRemoved: () => {} });
  for (const kind of ['deployment', 'statefulset', 'daemonset', 'cronjob'] as const) {
    index.upsertWorkload({ kind, namespace: 'shop', name: `${kind}-web`, podSpec: { containers: [{ name: 'app', image: 'r.example/web:1' }] } });
  }
  results.set('r.example/web:1', { status: 'absent', message: '', registry: 'r.example', checkedAt: 0, durationMs: 1, consecutiveFailures: 0 });
  return parseMetrics([...availabilityChunks(index, results, format)].join(''));
}

const labelNames = (series: Series) => Object.keys(series.labels).sort();

describe('unified: the Go exporter since v0.7', () => {
  const series = exported('unified');

  test("every family it documents, with exactly its labels and its kind values", () => {
    for (const name of GO_UNIFIED.names) {
      const own = series.filter((entry) => entry.name === name);
      expect(own.map((entry) => entry.labels.kind).sort()).toEqual([...GO_UNIFIED.kinds].sort());
      for (const entry of own) expect(labelNames(entry)).toEqual(GO_UNIFIED.labels);
    }
    expect(series.find((entry) => entry.name === 'k8s_image_availability_exporter_absent' && entry.labels.kind === 'statefulset')?.labels).toEqual({
      namespace: 'shop',
      kind: 'statefulset',
      name: 'statefulset-web',
      container: 'app',
      image: 'r.example/web:1',
    });
  });

  test('one family more than it documents: registry_v1_api_not_supported, with the same labels; no per-kind family', () => {
    const extra = [...new Set(series.map((entry) => entry.name))].filter((name) => !GO_UNIFIED.names.includes(name));
    expect(extra).toEqual(['k8s_image_availability_exporter_registry_v1_api_not_supported']);
  });

  test('exactly one family is 1 per container', () => {
    for (const kind of GO_UNIFIED.kinds) {
      const ones = series.filter((entry) => entry.labels.kind === kind && entry.value === 1);
      expect(ones.map((entry) => entry.name)).toEqual(['k8s_image_availability_exporter_absent']);
    }
  });
});

describe('per-kind: the seed, and the Go exporter before v0.7', () => {
  test('<TYPE>_<status> families with the kind as the label of the workload name', () => {
    const series = exported('per-kind');
    const names = [...new Set(series.map((entry) => entry.name))].sort();
    expect(names).toEqual(GO_PER_KIND.types.flatMap((type) => GO_PER_KIND.statuses.map((status) => `k8s_image_availability_exporter_${type}_${status}`)).sort());
    for (const entry of series) {
      const type = entry.name.split('_')[4];
      expect(labelNames(entry)).toEqual(['container', 'image', 'namespace', type].sort());
    }
  });
});

describe('both, for a migration window', () => {
  test('the per-kind and the unified series side by side, the same status in each', () => {
    const both = exported('both');
    const key = (entry: Series) => `${entry.name}${JSON.stringify(entry.labels)}=${entry.value}`;
    expect(both.map(key).sort()).toEqual([...exported('per-kind'), ...exported('unified')].map(key).sort());
  });
});
