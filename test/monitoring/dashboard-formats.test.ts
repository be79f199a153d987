// The dashboard's availability panels show the same numbers whichever --metrics-format the exporter
// runs with: its queries evaluated by the real promtool over the series of each format, with the
// same expected samples (per-kind, unified, and both at once without counting a container twice).
import { stringify } from 'yaml';
import { STATUSES } from '../../src/status.js';
import { promtool, run, scratchFile } from '../support/tools.js';
import { panelQuery as query } from '../support/dashboard-queries.js';

const containers = [
  { kind: 'deployment', name: 'web', container: 'app', image: 'registry.example.com/shop/web:1', status: 'available' },
  { kind: 'statefulset', name: 'db', container: 'db', image: 'registry.example.com/shop/db:1', status: 'absent' },
  { kind: 'cronjob', name: 'nightly', container: 'job', image: 'registry.example.com/shop/job:1', status: 'registry_unavailable' },
];
const scrape = 'job="image-availability-exporter",instance="10.0.0.7:8080"';

function seriesOf(format: 'per-kind' | 'unified'): Array<{ series: string; values: string }> {
  return containers.flatMap((c) =>
    STATUSES.map((status) => ({
      series:
        format === 'per-kind'
          ? `k8s_image_availability_exporter_${c.kind}_${status}{namespace="shop",${c.kind}="${c.name}",container="${c.container}",image="${c.image}",${scrape}}`
          : `k8s_image_availability_exporter_${status}{namespace="shop",kind="${c.kind}",name="${c.name}",container="${c.container}",image="${c.image}",${scrape}}`,
      values: `${status === c.status ? 1 : 0}x10`,
    })),
  );
}

const row = (c: (typeof containers)[number]) => `{namespace="shop",kind="${c.kind}",workload="${c.name}",container="${c.container}",image="${c.image}",status="${c.status}"}`;
const expectations = [
  { title: 'Containers checked', samples: [{ labels: '{}', value: 3 }] },
  { title: 'Images not in their registry', samples: [{ labels: '{}', value: 1 }] },
  { title: 'Checks failing', samples: [{ labels: '{}', value: 1 }] },
  { title: 'Containers by status', samples: containers.map((c) => ({ labels: `{status="${c.status}"}`, value: 1 })) },
  { title: 'Containers by kind and status (not available)', samples: containers.slice(1).map((c) => ({ labels: `{kind="${c.kind}",status="${c.status}"}`, value: 1 })) },
  { title: 'Containers whose image is not available', samples: containers.slice(1).map((c) => ({ labels: row(c), value: 1 })) },
];

test.each([
  ['per-kind', seriesOf('per-kind')],
  ['unified', seriesOf('unified')],
  ['both', [...seriesOf('per-kind'), ...seriesOf('unified')]],
])('the availability panels over --metrics-format=%s series', (_format, inputSeries) => {
  const file = scratchFile(
    'dashboard-formats.test.yaml',
    stringify({
      rule_files: [],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: inputSeries,
          promql_expr_test: expectations.map(({ title, samples }) => ({ expr: query(title), eval_time: '5m', exp_samples: samples })),
        },
      ],
    }),
  );
  const result = run(promtool(), ['test', 'rules', file]);
  if (result.status !== 0) throw new Error(`${result.stdout}\n${result.stderr}`);
  expect(result.stdout).toContain('SUCCESS');
});
