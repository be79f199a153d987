// A new image's first result is in the very next /metrics response, not one shared render's
// freshness window later; a scrape with nothing changed still shares the last render.
import { CheckResults } from '../../src/checks/results.js';
import { exporterRoutes } from '../../src/http/routes.js';
import { gunzipped } from '../../src/http/gzip-body.js';
import { ImageFilter } from '../../src/index/image-filter.js';
import { ImageIndex } from '../../src/index/image-index.js';
import { ExporterMetrics } from '../../src/metrics/metrics.js';
import type { Status } from '../../src/status.js';

function cluster() {
  const index = new ImageIndex(new ImageFilter([]), { unitAdded: () => {}, unitRemoved: () => {} });
  const results = new CheckResults();
  const routes = exporterRoutes({ version: 'test', index, results, metrics: new ExporterMetrics('test', index, results), clusterPlatforms: () => undefined, notReadyReason: () => undefined });
  const deploy = (name: string, image: string) => index.upsertWorkload({ kind: 'deployment', namespace: 'n', name, podSpec: { containers: [{ name: 'c', image }] } });
  const result = (image: string, status: Status) => results.set(image, { status, message: '', registry: 'r.example', checkedAt: Date.now(), durationMs: 1, consecutiveFailures: 0 });
  const scrape = async () => {
    const body = await routes.metrics(true);
    const parts: Buffer[] = [];
    for await (const chunk of gunzipped(body.chunks as Buffer[])) parts.push(chunk);
    body.release?.();
    return Buffer.concat(parts).toString('utf8');
  };
  /** Renders stay one render's duration apart (shared-render.ts); a render of two series takes a few ms. */
  const pastRenderSpacing = async () => {
    while (Date.now() < routes.metricsRender.changesRenderedFrom) await new Promise((resolve) => setTimeout(resolve, 1));
  };
  return { routes, deploy, result, scrape, pastRenderSpacing };
}

const absentWeb = 'k8s_image_availability_exporter_deployment_absent{namespace="n",deployment="web",container="c",image="r.example/new:1"} 1';

test('a new image checked right after a scrape → its series is in the next scrape, inside the freshness window', async () => {
  const { deploy, result, scrape, pastRenderSpacing } = cluster();
  deploy('old', 'r.example/old:1');
  result('r.example/old:1', 'available');
  expect(await scrape()).not.toContain(absentWeb);
  await pastRenderSpacing();
  deploy('web', 'r.example/new:1');
  result('r.example/new:1', 'absent');
  expect(await scrape()).toContain(absentWeb);
});

test('a status change → the next scrape shows it', async () => {
  const { deploy, result, scrape, pastRenderSpacing } = cluster();
  deploy('web', 'r.example/new:1');
  result('r.example/new:1', 'available');
  await scrape();
  await pastRenderSpacing();
  result('r.example/new:1', 'absent');
  expect(await scrape()).toContain(absentWeb);
});

test('a recheck with the same status → scrapes within the window share one render', async () => {
  const { routes, deploy, result, scrape, pastRenderSpacing } = cluster();
  deploy('web', 'r.example/new:1');
  result('r.example/new:1', 'absent');
  await scrape();
  await pastRenderSpacing();
  const renders = routes.metricsRender.renders;
  result('r.example/new:1', 'absent');
  await scrape();
  expect(routes.metricsRender.renders).toBe(renders);
});
