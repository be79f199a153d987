// The status page in a real browser (Debian's chromium driven by playwright-core), fed by real
// checks against the real registry.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { AdmissionDecider } from '../../src/admission/admission-decision.js';
import { GivenWarnings } from '../../src/admission/given-warnings.js';
import { imageChecker } from '../../src/checks/image-checker.js';
import { CheckResults } from '../../src/checks/results.js';
import { ImageFilter } from '../../src/index/image-filter.js';
import { ImageIndex, type CheckUnit } from '../../src/index/image-index.js';
import { exporterRoutes } from '../../src/http/routes.js';
import { startHttpServer } from '../../src/http/server.js';
import { ExporterMetrics } from '../../src/metrics/metrics.js';
import { RegistryClient } from '../../src/registry/client.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { repoRoot } from '../support/tools.js';

describe('status page', () => {
  let registry: TestRegistry;
  let browser: Browser;
  let server: Awaited<ReturnType<typeof startHttpServer>>;
  let client: RegistryClient;
  const outputDir = join(repoRoot, 'test-output');

  beforeAll(async () => {
    registry = await startRegistry({ auth: 'none' });
    await registry.pushImage('shop/web', 'v1');
    client = new RegistryClient({ requestTimeoutMs: 3000, caFiles: [], insecureSkipVerifyHosts: [], plainHttpHosts: [registry.host], connectionsPerOrigin: 4, userAgent: 't' });
    const results = new CheckResults();
    const units: CheckUnit[] = [];
    const index = new ImageIndex(new ImageFilter([]), { unitAdded: (unit) => units.push(unit), unitRemoved: () => {} });
    const podSpec = (images: Record<string, string>) => ({ containers: Object.entries(images).map(([name, image]) => ({ name, image })) });
    index.upsertWorkload({ kind: 'deployment', namespace: 'shop', name: 'web', podSpec: podSpec({ app: `${registry.host}/shop/web:v1`, next: `${registry.host}/shop/web:v2` }) });
    index.upsertWorkload({ kind: 'cronjob', namespace: 'billing', name: 'invoices', podSpec: podSpec({ job: `${registry.host}/billing/<script>:v1` }) });
    index.upsertWorkload({ kind: 'statefulset', namespace: 'billing', name: 'db', podSpec: podSpec({ db: `${registry.host}/shop/web:v1` }) });
    const check = imageChecker(client, undefined);
    for (const unit of units) {
      const result = await check(unit);
      results.set(unit.key, { status: result.status, message: result.message, registry: registry.host, checkedAt: Date.now(), durationMs: 1, consecutiveFailures: 0 });
    }
    // An update of shop/web reviewed by the webhook: its warning about v2 joins that image's row.
    const given = new GivenWarnings();
    const decider = new AdmissionDecider(index, results, check, { deny: false, liveBudgetMs: 2000, maxLiveChecks: 4, checkDisabled: new Set(), checkPods: false, checkJobs: false, extraWorkloads: [] }, given);
    const object = { metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: 1, template: { spec: podSpec({ app: `${registry.host}/shop/web:v1`, next: `${registry.host}/shop/web:v2` }) } } };
    await decider.decide({ uid: 'u-1', group: 'apps', kind: 'Deployment', resource: { group: 'apps', version: 'v1', resource: 'deployments' }, operation: 'UPDATE', namespace: 'shop', name: 'web', dryRun: false, object, oldObject: object });
    const metrics = new ExporterMetrics('test', index, results);
    server = await startHttpServer(
      { host: '127.0.0.1', port: 0 },
      exporterRoutes({ version: 'test', index, results, metrics, clusterPlatforms: () => undefined, notReadyReason: () => undefined, givenWarnings: (key) => given.of(key) }),
    );
    browser = await launchChromium();
    mkdirSync(outputDir, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => {
      if (!server) return resolve();
      server.server.close(() => resolve());
      server.server.closeAllConnections();
    });
    await client?.close();
    await registry?.stop();
  });

  test('lists images by status with their workloads and reasons; the filter narrows it', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 640 } });
    await page.goto(`http://127.0.0.1:${server.port}/`);
    expect(await page.title()).toBe('Image availability');
    const rows = page.locator('table.images tbody tr');
    expect(await rows.count()).toBe(3);
    // problems first; the absent image names its workload and the registry's answer
    expect(await rows.nth(2).getAttribute('class')).toBe('status-available');
    const first = await page.locator('tr.status-absent').innerText();
    expect(first).toContain(`${registry.host}/shop/web:v2`);
    expect(first).toContain('deployment shop/web');
    expect(first).toContain(`tag v2 is not in ${registry.host}/shop/web, the repository exists (404)`);
    // the shared available image lists both users
    const shared = await page.locator('tr.status-available').innerText();
    expect(shared).toContain('deployment shop/web');
    expect(shared).toContain('statefulset billing/db');
    // hostile text is escaped, not markup
    expect(await page.locator('table.images script').count()).toBe(0);
    expect(await page.locator('body').innerText()).toContain('billing/<script>:v1');
    // the webhook's warning about the absent image, folded until opened
    const warnings = page.locator('tr.status-absent details.admission');
    expect(await warnings.locator('summary').innerText()).toMatch(/^1 admission warning, last \d+ s ago$/);
    await warnings.locator('summary').click();
    const opened = await warnings.innerText();
    expect(opened).toContain('Deployment shop/web (UPDATE, admitted)');
    expect(opened).toContain(`image ${registry.host}/shop/web:v2 does not exist in its registry (404); pods of this Deployment will fail with ImagePullBackOff`);
    expect(await page.locator('tr.status-available details.admission').count()).toBe(0);
    await page.screenshot({ path: join(outputDir, 'status-page.png'), fullPage: true });

    await page.selectOption('#status', 'absent');
    await page.click('button[type=submit]');
    await page.waitForURL(/status=absent/);
    expect(await rows.count()).toBe(1);
    expect(await rows.nth(0).innerText()).toContain('shop/web:v2');

    await page.selectOption('#status', '');
    await page.selectOption('#namespace', 'billing');
    await page.click('button[type=submit]');
    await page.waitForURL(/namespace=billing/);
    const billing = await page.locator('table.images tbody').innerText();
    expect(billing).not.toContain('deployment shop/web');
    expect(billing).toContain('statefulset billing/db');
    await page.close();
  });

  test('/api/images is the JSON twin of the page', async () => {
    const response = await fetch(`http://127.0.0.1:${server.port}/api/images?status=absent`);
    const { images } = (await response.json()) as { images: Array<{ image: string; status: string; workloads: unknown[] }> };
    expect(images).toHaveLength(1);
    expect(images[0]).toMatchObject({ image: `${registry.host}/shop/web:v2`, status: 'absent' });
  });
});
