// The status page and /api/images answer from one view of the images, built when a workload or an
// image's status changes, not per request: searches, filters, sorts and pages over thousands of
// images cost a walk over it, and what each shown image says is still the latest.
import { CheckResults } from '../../src/checks/results.js';
import { parseImageQuery } from '../../src/http/image-query.js';
import type { ReportPage } from '../../src/http/image-report.js';
import { FRESH_MS, exporterRoutes } from '../../src/http/routes.js';
import { ImageFilter } from '../../src/index/image-filter.js';
import { ImageIndex } from '../../src/index/image-index.js';
import { ExporterMetrics } from '../../src/metrics/metrics.js';
import type { Status } from '../../src/status.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function cluster(images: number) {
  const index = new ImageIndex(new ImageFilter([]), { unitAdded: () => {}, unitRemoved: () => {} });
  const results = new CheckResults();
  const routes = exporterRoutes({ version: 'test', index, results, metrics: new ExporterMetrics('test', index, results), clusterPlatforms: () => undefined, notReadyReason: () => undefined });
  const result = (image: string, status: Status, message = '') => results.set(image, { status, message, registry: 'r.example', checkedAt: Date.now(), durationMs: 1, consecutiveFailures: 0 });
  for (let i = 0; i < images; i++) {
    index.upsertWorkload({ kind: 'deployment', namespace: `team-${i % 3}`, name: `app-${i}`, podSpec: { containers: [{ name: 'c', image: `r.example/app:${i}` }] } });
    result(`r.example/app:${i}`, i % 4 === 0 ? 'absent' : 'available');
  }
  const images_ = async (query: string): Promise<ReportPage> => {
    const body = await routes.imagesJson!(parseImageQuery(new URLSearchParams(query)));
    return JSON.parse(Buffer.concat([...(body!.chunks as Buffer[])]).toString('utf8')) as ReportPage;
  };
  return { routes, index, result, images: images_ };
}

test('searches, filters, sorts and pages, also past the freshness window, share one view while nothing changes', async () => {
  const { routes, images } = cluster(40);
  expect((await images('status=absent')).total).toBe(10);
  // Failing first, then by image.
  expect((await images('q=app-3')).images.map((r) => r.workloads[0].name)).toEqual(['app-32', 'app-36', 'app-3', 'app-30', 'app-31', 'app-33', 'app-34', 'app-35', 'app-37', 'app-38', 'app-39']);
  expect((await images('sort=image&limit=5&offset=5')).images).toHaveLength(5);
  await sleep(FRESH_MS + 100);
  expect((await images('namespace=team-1')).total).toBe(13);
  expect(routes.imageViews.renders).toBe(1);
});

test('what a shown image says is the latest result, even when the view is not rebuilt', async () => {
  const { routes, result, images } = cluster(4);
  await images('');
  result('r.example/app:0', 'absent', 'the registry says manifest unknown, a newer reason');
  const [first] = (await images('status=absent')).images;
  expect(first.reason).toBe('the registry says manifest unknown, a newer reason');
  expect(routes.imageViews.renders).toBe(1);
});

test('a status change or a new workload → the view is rebuilt once its spacing is past, and shows it', async () => {
  const { routes, index, result, images } = cluster(4);
  expect((await images('status=absent')).total).toBe(1);
  result('r.example/app:1', 'absent');
  index.upsertWorkload({ kind: 'deployment', namespace: 'new', name: 'web', podSpec: { containers: [{ name: 'c', image: 'r.example/web:1' }] } });
  await sleep(FRESH_MS + 100);
  expect((await images('status=absent')).total).toBe(2);
  expect((await images('status=pending')).images.map((r) => r.image)).toEqual(['r.example/web:1']);
  expect(routes.imageViews.renders).toBe(2);
});
