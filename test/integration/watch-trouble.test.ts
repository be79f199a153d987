// The exporter pointed at an API server that is not there: it starts, keeps retrying, and the
// log and the status page say that the API server cannot be reached and since when, instead of
// "0 images" with no hint why, and /metrics counts the failing watches for the alert that says so.
// Nothing listens on the address: a port just taken and released.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startExporter, type TestExporter } from '../support/exporter.js';
import { eventually } from '../support/metrics-text.js';
import { freePort } from '../support/processes.js';

describe('API server out of reach', () => {
  let exporter: TestExporter;
  const started = Date.now();

  beforeAll(async () => {
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'iae-unreachable-')), 'kubeconfig');
    writeFileSync(kubeconfig, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'c',
      clusters: [{ name: 'c', cluster: { server: `https://127.0.0.1:${await freePort()}` } }],
      users: [{ name: 'u', user: { token: 'x' } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
    }));
    exporter = await startExporter({ kubeconfig, checkInterval: 90_000 });
  });
  afterAll(() => exporter?.stop());

  test('the status page says the API server cannot be reached, since when, and what to check; the log says the same', async () => {
    const page = await eventually(async () => (await fetch(`${exporter.url}/`)).text(), (html) => html.includes('class="notices"'), 20_000, 'the notice on the status page');
    const notice = /<section class="notices" role="alert">\n<p>([^<]*)<\/p>/.exec(page)![1];
    expect(notice).toMatch(/^Since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ the workloads shown may be out of date: the API server cannot be reached to watch serviceaccounts \([^)]*\): check the kubeconfig&#39;s server address and the network to it; retrying/);
    expect(Date.parse(/^Since (\S+)/.exec(notice)![1])).toBeGreaterThanOrEqual(Math.floor(started / 1000) * 1000);
    expect((await fetch(`${exporter.url}/readyz`)).status).toBe(503);
    expect(exporter.logs.some((line) => line.includes('the API server cannot be reached to watch serviceaccounts'))).toBe(true);
    expect(exporter.logs.some((line) => /watch of serviceaccounts failed; resuming/.test(line))).toBe(false);
  }, 30_000);

  test('/metrics counts the failing watches (the ImageAvailabilityWatchFailing alert reads it) and tells the check interval', async () => {
    const failing = await eventually(
      async () => (await exporter.series()).find((series) => series.name === 'k8s_image_availability_exporter_watches_failing')?.value,
      (value) => value !== undefined && value >= 1,
      20_000,
      'a failing watch counted on /metrics',
    );
    expect(failing).toBeGreaterThanOrEqual(1);
    const interval = (await exporter.series()).find((series) => series.name === 'k8s_image_availability_exporter_check_interval_seconds');
    expect(interval?.value).toBe(90);
  }, 30_000);
});
