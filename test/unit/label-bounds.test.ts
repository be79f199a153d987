// Label values taken from the cluster are bounded: a 1 MiB image string or a custom resource's
// container names (which the API server does not validate) cannot make a series megabytes long
// or longer than a Prometheus `label_value_length_limit`; the status page shows more of the image.
import { CheckResults } from '../../src/checks/results.js';
import { parseImageQuery } from '../../src/http/image-query.js';
import { selectReports } from '../../src/http/image-report.js';
import { buildImageView } from '../../src/http/image-view.js';
import { ImageFilter } from '../../src/index/image-filter.js';
import { ImageIndex } from '../../src/index/image-index.js';
import { collect } from '../../src/http/packed-text.js';
import { MAX_BAD_IMAGE_LABEL_LENGTH, MAX_LABEL_VALUE_LENGTH } from '../../src/bounds/label-value.js';
import { ExporterMetrics, platformMissingLines } from '../../src/metrics/metrics.js';
import { RegistryLabels } from '../../src/metrics/registry-labels.js';

function setup() {
  const results = new CheckResults();
  const index = new ImageIndex(new ImageFilter([]), { unitAdded: () => {}, unitRemoved: () => {} });
  const metrics = new ExporterMetrics('test', index, results, () => 0, 'both');
  const render = async () => Buffer.concat(collect(await metrics.exposition()).chunks).toString();
  return { results, index, render };
}

/** Every value of `label` in the exposition's series lines. */
function labelValues(text: string, label: string): string[] {
  const values: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    for (const match of line.matchAll(new RegExp(`[{,]${label}="((?:[^"\\\\]|\\\\.)*)"`, 'g'))) values.push(match[1]);
  }
  return values;
}

test('a 1 MiB image string: bad_image_format, its label cut to 256 characters with a marker, the status page showing 4 096', async () => {
  const { index, results, render } = setup();
  const huge = `r.example/app:${'v'.repeat(1024 * 1024)}`;
  index.upsertWorkload({ kind: 'deployment', namespace: 'n', name: 'huge', podSpec: { containers: [{ name: 'c', image: huge }] } });
  const text = await render();
  const images = labelValues(text, 'image');
  // 8 statuses × 2 label sets (--metrics-format=both).
  expect(images).toHaveLength(16);
  for (const image of images) {
    expect(image.length).toBeLessThanOrEqual(MAX_BAD_IMAGE_LABEL_LENGTH);
    expect(image).toMatch(/^r\.example\/app:v+\.\.\.\[cut, sha256 [0-9a-f]{12}\]$/);
  }
  expect(text).toContain('k8s_image_availability_exporter_bad_image_format{namespace="n",kind="deployment",name="huge",container="c",image="r.example/app:vvv');
  expect(text.length).toBeLessThan(100_000);

  const [report] = selectReports(buildImageView(index, results), parseImageQuery(new URLSearchParams()), { results }).images;
  expect(report.status).toBe('bad_image_format');
  expect(report.image.length).toBeGreaterThan(4096);
  expect(report.image.length).toBeLessThan(4200);
  expect(report.image).toMatch(/\.\.\. \(cut: 1048590 characters in all\)$/);
  expect(report.workloads[0].image).toBe(report.image);
});

test('long container names of a custom resource are cut to 1 024 characters and stay distinct', async () => {
  const { index, results, render } = setup();
  const start = 'c'.repeat(3000);
  index.upsertWorkload({
    kind: 'rollout',
    namespace: 'n',
    name: 'r',
    podSpec: { containers: [{ name: `${start}-one`, image: 'r.example/app:1' }, { name: `${start}-two`, image: 'r.example/app:1' }] },
  });
  results.set('r.example/app:1', { status: 'available', message: '', registry: 'r.example', checkedAt: 0, durationMs: 1, consecutiveFailures: 0, platforms: ['linux/amd64'] });
  const containers = labelValues(await render(), 'container');
  expect(containers.length).toBeGreaterThan(0);
  for (const container of containers) expect(container.length).toBeLessThanOrEqual(MAX_LABEL_VALUE_LENGTH);
  expect(new Set(containers).size).toBe(2);
  const platformLines = [...platformMissingLines(index, results, ['linux/amd64'])].join('');
  for (const container of labelValues(platformLines, 'container')) expect(container.length).toBeLessThanOrEqual(MAX_LABEL_VALUE_LENGTH);
});

test('the longest references that can be pulled are exported whole', async () => {
  const { index, results, render } = setup();
  const image = `r${'x'.repeat(240)}.example/${'y'.repeat(255)}:${'z'.repeat(128)}`;
  index.upsertWorkload({ kind: 'deployment', namespace: 'n', name: 'long', podSpec: { containers: [{ name: 'c', image }] } });
  results.set(image, { status: 'available', message: '', registry: 'r', checkedAt: 0, durationMs: 1, consecutiveFailures: 0 });
  expect(new Set(labelValues(await render(), 'image'))).toEqual(new Set([image]));
});

test('a registry host of thousands of characters gets a registry label of at most 1 024', () => {
  const labels = new RegistryLabels(100);
  const host = `${'h'.repeat(3000)}.example`;
  const label = labels.forCheck(host, 'registry_unavailable');
  expect(label.length).toBeLessThanOrEqual(MAX_LABEL_VALUE_LENGTH);
  expect(label).toMatch(/^h+\.\.\.\[cut, sha256 [0-9a-f]{12}\]$/);
  expect(labels.forCheck(`${'h'.repeat(3000)}.other`, 'available')).not.toBe(label);
});
