// The dashboard's availability panels against a real Prometheus (Debian's /usr/bin/prometheus)
// scraping the exporter's real /metrics, with every kind it checks present: the four controllers,
// Jobs, Pods and an --extra-workload kind (two Rollouts whose containers share name and image),
// in each --metrics-format. Every panel must count every container once.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { MetricsFormat } from '../../src/metrics/availability-families.js';
import { CheckResults } from '../../src/checks/results.js';
import { exporterRoutes } from '../../src/http/routes.js';
import { startHttpServer } from '../../src/http/server.js';
import { ImageFilter } from '../../src/index/image-filter.js';
import { ImageIndex, type CheckUnit } from '../../src/index/image-index.js';
import { ExporterMetrics } from '../../src/metrics/metrics.js';
import type { Status } from '../../src/status.js';
import { freePort, startProcess, waitForHttp } from '../support/processes.js';
import { panelQuery as query } from '../support/dashboard-queries.js';


/** One container per entry; the two Rollouts share container name and image. */
const containers: Array<{ kind: string; name: string; image: string; status: Status }> = [
  { kind: 'deployment', name: 'web', image: 'registry.example.com/shop/web:1', status: 'available' },
  { kind: 'statefulset', name: 'db', image: 'registry.example.com/shop/db:1', status: 'absent' },
  { kind: 'daemonset', name: 'agent', image: 'registry.example.com/shop/agent:1', status: 'available' },
  { kind: 'cronjob', name: 'nightly', image: 'registry.example.com/shop/nightly:1', status: 'registry_unavailable' },
  { kind: 'job', name: 'migrate', image: 'registry.example.com/shop/migrate:1', status: 'absent' },
  { kind: 'pod', name: 'debug', image: 'registry.example.com/shop/debug:1', status: 'authentication_failure' },
  { kind: 'rollout', name: 'canary', image: 'registry.example.com/shop/api:2', status: 'absent' },
  { kind: 'rollout', name: 'stable', image: 'registry.example.com/shop/api:2', status: 'absent' },
];
const failing = containers.filter((c) => c.status !== 'available');
const countBy = (key: (c: (typeof containers)[number]) => string) => {
  const counts = new Map<string, number>();
  for (const c of failing) counts.set(key(c), (counts.get(key(c)) ?? 0) + 1);
  return Object.fromEntries(counts);
};

/** The exporter's /metrics for these containers; every container gets its own image key (its kind and name). */
async function serveMetrics(format: MetricsFormat) {
  const units: CheckUnit[] = [];
  const index = new ImageIndex(new ImageFilter([]), { unitAdded: (unit) => units.push(unit), unitRemoved: () => {} });
  const results = new CheckResults();
  for (const c of containers) index.upsertWorkload({ kind: c.kind, namespace: 'shop', name: c.name, podSpec: { containers: [{ name: 'app', image: c.image }] } });
  for (const unit of units) {
    const status = containers.find((c) => unit.reference.normalized === `${c.image}`)!.status;
    results.set(unit.key, { status, message: '', registry: 'registry.example.com', checkedAt: Date.now(), durationMs: 1, consecutiveFailures: 0 });
  }
  const metrics = new ExporterMetrics('test', index, results, () => 0, format);
  return startHttpServer({ host: '127.0.0.1', port: 0 }, exporterRoutes({ version: 'test', index, results, metrics, clusterPlatforms: () => undefined, notReadyReason: () => undefined }));
}

async function instant(url: string, expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await response.json()) as { status: string; error?: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
  return body.data.result;
}

describe.each(['per-kind', 'unified', 'both'] as MetricsFormat[])('dashboard panels in a real Prometheus over --metrics-format=%s', (format) => {
  let dir: string;
  let server: Awaited<ReturnType<typeof startHttpServer>>;
  let prometheus: ReturnType<typeof startProcess>;
  let url: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dashboard-prometheus-'));
    server = await serveMetrics(format);
    const port = await freePort();
    await writeFile(
      join(dir, 'prometheus.yml'),
      stringify({ global: { scrape_interval: '1s' }, scrape_configs: [{ job_name: 'image-availability-exporter', honor_labels: true, static_configs: [{ targets: [`127.0.0.1:${server.port}`] }] }] }),
    );
    prometheus = startProcess('/usr/bin/prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`]);
    url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/-/ready`, 30_000, prometheus);
    const deadline = Date.now() + 30_000;
    while ((await instant(url, 'up')).length === 0 || (await instant(url, '{__name__=~"k8s_image_availability_exporter_.*available"}')).length === 0) {
      if (Date.now() > deadline) throw new Error(`Prometheus scraped nothing: ${prometheus.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
    await new Promise<void>((resolve) => (server ? server.server.close(() => resolve()) : resolve()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the single stats count every container of every kind once', async () => {
    const single = async (title: string) => Number((await instant(url, query(title)))[0].value[1]);
    expect(await single('Containers checked')).toBe(containers.length);
    expect(await single('Images not in their registry')).toBe(containers.filter((c) => c.status === 'absent').length);
    expect(await single('Checks failing')).toBe(containers.filter((c) => c.status === 'registry_unavailable' || c.status === 'authentication_failure').length);
  });

  test('by status, by kind and status, and the table of containers not available', async () => {
    const byStatus = Object.fromEntries((await instant(url, query('Containers by status'))).map((s) => [s.metric.status, Number(s.value[1])]));
    expect(byStatus).toEqual({ ...countBy((c) => c.status), available: containers.length - failing.length });
    const byKind = Object.fromEntries((await instant(url, query('Containers by kind and status (not available)'))).map((s) => [`${s.metric.kind} ${s.metric.status}`, Number(s.value[1])]));
    expect(byKind).toEqual(countBy((c) => `${c.kind} ${c.status}`));
    const table = await instant(url, query('Containers whose image is not available'));
    const kinds = [...new Set(table.map((s) => s.metric.kind))].sort();
    expect(kinds).toEqual([...new Set(failing.map((c) => c.kind))].sort());
    for (const row of table) expect(row.metric).toMatchObject({ namespace: 'shop', container: 'app' });
    expect(table.filter((s) => s.metric.kind !== 'rollout').map((s) => `${s.metric.kind}/${s.metric.workload}`).sort()).toEqual(
      failing.filter((c) => c.kind !== 'rollout').map((c) => `${c.kind}/${c.name}`).sort(),
    );
  });
});
