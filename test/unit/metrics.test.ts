import { AdmissionMetrics } from '../../src/admission/admission-metrics.js';
import { CheckResults } from '../../src/checks/results.js';
import { ImageFilter } from '../../src/index/image-filter.js';
import { ImageIndex } from '../../src/index/image-index.js';
import { collect } from '../../src/http/packed-text.js';
import { availabilityChunks, ExporterMetrics } from '../../src/metrics/metrics.js';
import type { Status } from '../../src/status.js';
import { promtool, run } from '../support/tools.js';

function setup() {
  const results = new CheckResults();
  const index = new ImageIndex(new ImageFilter([]), { unitAdded: () => {}, unitRemoved: () => {} });
  const record = (status: Status) => ({ status, message: '', registry: 'r', checkedAt: 0, durationMs: 1, consecutiveFailures: 0 });
  return { results, index, record };
}

function samples(text: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    map.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return map;
}

describe('availability metric families', () => {
  test('exactly one of the eight statuses is 1 per usage, with the Go exporter labels', () => {
    const { results, index, record } = setup();
    index.upsertWorkload({ kind: 'deployment', namespace: 'shop', name: 'web', podSpec: { containers: [{ name: 'app', image: 'r.example/web:1' }] } });
    results.set('r.example/web:1', record('absent'));
    const s = samples([...availabilityChunks(index, results)].join(''));
    const labels = '{namespace="shop",deployment="web",container="app",image="r.example/web:1"}';
    expect(s.get(`k8s_image_availability_exporter_deployment_absent${labels}`)).toBe(1);
    expect(s.get(`k8s_image_availability_exporter_deployment_available${labels}`)).toBe(0);
    const ones = [...s.entries()].filter(([name, value]) => name.endsWith(labels) && value === 1);
    const all = [...s.keys()].filter((name) => name.endsWith(labels));
    expect(ones).toHaveLength(1);
    expect(all).toHaveLength(8);
  });

  test('every kind has its own label name', () => {
    const { results, index, record } = setup();
    for (const kind of ['deployment', 'statefulset', 'daemonset', 'cronjob'] as const) {
      index.upsertWorkload({ kind, namespace: 'n', name: `${kind}-x`, podSpec: { containers: [{ name: 'c', image: 'r.example/a:1' }] } });
    }
    results.set('r.example/a:1', record('available'));
    const text = [...availabilityChunks(index, results)].join('');
    for (const kind of ['deployment', 'statefulset', 'daemonset', 'cronjob']) {
      expect(text).toContain(`k8s_image_availability_exporter_${kind}_available{namespace="n",${kind}="${kind}-x",container="c",image="r.example/a:1"} 1`);
    }
  });

  test('an unchecked image has no series yet; a bad reference is bad_image_format at once', () => {
    const { results, index } = setup();
    index.upsertWorkload({ kind: 'daemonset', namespace: 'n', name: 'd', podSpec: { containers: [{ name: 'ok', image: 'r.example/a:1' }, { name: 'bad', image: 'UPPER/Case' }] } });
    const s = samples([...availabilityChunks(index, results)].join(''));
    expect([...s.keys()].some((k) => k.includes('container="ok"'))).toBe(false);
    expect(s.get('k8s_image_availability_exporter_daemonset_bad_image_format{namespace="n",daemonset="d",container="bad",image="UPPER/Case"}')).toBe(1);
  });

  test('label values are escaped', () => {
    const { results, index } = setup();
    index.upsertWorkload({ kind: 'deployment', namespace: 'n', name: 'd', podSpec: { containers: [{ name: 'c', image: 'bad"\\\nimage' }] } });
    expect([...availabilityChunks(index, results)].join('')).toContain('image="bad\\"\\\\\\nimage"} 1');
  });

  test('a deleted workload takes its series with it', () => {
    const { results, index, record } = setup();
    index.upsertWorkload({ kind: 'deployment', namespace: 'n', name: 'gone', podSpec: { containers: [{ name: 'c', image: 'r.example/a:1' }] } });
    results.set('r.example/a:1', record('available'));
    index.deleteWorkload('deployment', 'n', 'gone');
    expect([...availabilityChunks(index, results)].join('')).not.toContain('gone');
  });

  test('renders that reuse their buffers are each the index as it is then, also when two overlap', async () => {
    const { results, index, record } = setup();
    const deploy = (name: string, image: string) => index.upsertWorkload({ kind: 'deployment', namespace: 'n', name, podSpec: { containers: [{ name: 'c', image }] } });
    for (let i = 0; i < 300; i++) deploy(`web-${i}`, `r.example/app:${i}`);
    for (let i = 0; i < 300; i++) results.set(`r.example/app:${i}`, record(i % 3 === 0 ? 'absent' : 'available'));
    const metrics = new ExporterMetrics('test', index, results);
    const text = (chunks: Iterable<Buffer>) => Buffer.concat(collect(chunks).chunks).toString();
    const expected = () => text(availabilityChunks(index, results));

    expect(text(await metrics.exposition())).toContain(expected());
    for (let i = 0; i < 250; i++) index.deleteWorkload('deployment', 'n', `web-${i}`);
    // The longest references that can be pulled (a 250-character host, a 255-character path, a 128-character tag): rows past the table's first size.
    const longs = Array.from({ length: 10 }, (_, i) => `r${'x'.repeat(240)}${i}.example/${'y'.repeat(255)}:${'z'.repeat(128)}`);
    longs.forEach((long, i) => {
      deploy(`long-${i}`, long);
      results.set(long, record('available'));
    });
    const after = text(await metrics.exposition());
    expect(after).toContain(expected());
    expect(after).not.toContain('deployment="web-0"');
    for (const long of longs) expect(after).toContain(`image="${long}"} 1`);

    const first = (await metrics.exposition())[Symbol.iterator]();
    const head = Buffer.from(first.next().value as Buffer);
    const overlapping = text(await metrics.exposition());
    const rest: Buffer[] = [];
    for (let step = first.next(); !step.done; step = first.next()) rest.push(Buffer.from(step.value));
    expect(overlapping).toContain(expected());
    expect(Buffer.concat([head, ...rest]).toString()).toContain(expected());
  });

  test('every exported family, prom-client\'s Node.js defaults and the admission webhook\'s included, passes promtool check metrics without a lint finding', async () => {
    const { results, index, record } = setup();
    index.upsertWorkload({ kind: 'deployment', namespace: 'n', name: 'web', podSpec: { containers: [{ name: 'c', image: 'r.example/web:1' }] } });
    const metrics = new ExporterMetrics('test', index, results, () => 0, 'both', () => 0, { checkIntervalMs: 300_000, watchesFailing: () => 0 });
    metrics.recordCheck({ key: 'r.example/web:1', reference: undefined as never, pullSecrets: [] }, { ...record('available'), registry: 'r.example' });
    metrics.recordExchange({ registry: 'r.example', phase: 'manifest', outcome: '200', seconds: 0.01 });
    new AdmissionMetrics(metrics.registry).record('available', 0.002);
    const body = Buffer.concat(collect(await metrics.exposition(['linux/amd64', 'linux/arm64'])).chunks).toString();
    expect(body).toContain('admission_requests_total');
    expect(body).toContain('nodejs_active_handles');
    // The standard process metrics, without the two that cost memory and CPU at every GC and every 10 ms.
    for (const family of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_version_info']) expect(body).toContain(`# TYPE ${family} `);
    expect(body).not.toMatch(/^# TYPE (nodejs_gc_duration_seconds|nodejs_eventloop_lag_\w+) /m);
    const result = run(promtool(), ['check', 'metrics'], { input: body });
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  });
});

describe("the exporter's own health, for the alerts that watch it", () => {
  const unit = (key: string) => ({ key, reference: undefined as never, pullSecrets: [] });
  const usedImage = (index: ImageIndex) => index.upsertWorkload({ kind: 'deployment', namespace: 'n', name: 'web', podSpec: { containers: [{ name: 'c', image: 'r.example/web:1' }] } });

  test('registry_failing_since: the first of the unanswered checks in a row; 0 once the registry answers, absent too', async () => {
    const { results, index, record } = setup();
    usedImage(index);
    const metrics = new ExporterMetrics('test', index, results);
    const since = async () => samples(Buffer.concat(collect(await metrics.exposition()).chunks).toString()).get('k8s_image_availability_exporter_registry_failing_since_timestamp_seconds{registry="r.example"}');
    const check = (status: Status, checkedAt: number) => metrics.recordCheck(unit('r.example/web:1'), { ...record(status), registry: 'r.example', checkedAt });
    check('available', 1_000_000);
    expect(await since()).toBe(0);
    check('registry_unavailable', 2_000_000);
    check('authentication_failure', 3_000_000);
    expect(await since()).toBe(2000);
    check('absent', 4_000_000);
    expect(await since()).toBe(0);
    check('unknown_error', 5_000_000);
    expect(await since()).toBe(5000);
  });

  test('check_interval_seconds and watches_failing tell the setting and the watches failing at the scrape', async () => {
    const { results, index } = setup();
    let failing = 0;
    const metrics = new ExporterMetrics('test', index, results, () => 0, 'per-kind', () => 0, { checkIntervalMs: 90_000, watchesFailing: () => failing });
    const scrape = async () => samples(Buffer.concat(collect(await metrics.exposition()).chunks).toString());
    expect((await scrape()).get('k8s_image_availability_exporter_check_interval_seconds')).toBe(90);
    expect((await scrape()).get('k8s_image_availability_exporter_watches_failing')).toBe(0);
    failing = 2;
    expect((await scrape()).get('k8s_image_availability_exporter_watches_failing')).toBe(2);
  });
});
