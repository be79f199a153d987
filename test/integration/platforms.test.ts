// Platform coverage against the real registry: an index with amd64 only, nodes that run arm64.
import { CheckResults } from '../../src/checks/results.js';
import { imageChecker } from '../../src/checks/image-checker.js';
import { CheckScheduler } from '../../src/checks/scheduler.js';
import { ImageFilter } from '../../src/index/image-filter.js';
import { ImageIndex } from '../../src/index/image-index.js';
import { NodePlatforms } from '../../src/kube/node-platforms.js';
import { platformMissingLines } from '../../src/metrics/metrics.js';
import { parseImageQuery } from '../../src/http/image-query.js';
import { selectReports } from '../../src/http/image-report.js';
import { buildImageView } from '../../src/http/image-view.js';
import { RegistryClient } from '../../src/registry/client.js';
import { parseReference } from '../../src/registry/references/reference.js';
import { parseMetrics } from '../support/metrics-text.js';
import { startRegistry } from '../support/registry.js';

test('an image whose index lacks a platform the nodes run is reported, per platform', async () => {
  const registry = await startRegistry({ auth: 'none' });
  const phases: string[] = [];
  const client = new RegistryClient({ onExchange: (e) => phases.push(e.phase), requestTimeoutMs: 3000, caFiles: [], insecureSkipVerifyHosts: [], plainHttpHosts: [registry.host], connectionsPerOrigin: 2, userAgent: 't', readPlatforms: true });
  const results = new CheckResults();
  const scheduler = new CheckScheduler({ intervalMs: 60_000, retryInitialDelayMs: 60_000, perRegistryConcurrency: 2, globalConcurrency: 4, results, check: imageChecker(client, undefined) });
  try {
    await registry.pushIndex('team/amd-only', 'v1', { format: 'oci-index', platforms: [{ os: 'linux', architecture: 'amd64' }] });
    await registry.pushIndex('team/both', 'v1', { format: 'docker-list', platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }] });
    await registry.pushImage('team/single', 'v1');
    const index = new ImageIndex(new ImageFilter([]), { unitAdded: (u) => scheduler.add(u), unitRemoved: (k) => scheduler.remove(k) });
    index.upsertWorkload({
      kind: 'daemonset',
      namespace: 'infra',
      name: 'agent',
      podSpec: { containers: ['amd-only', 'both', 'single'].map((repo) => ({ name: repo, image: `${registry.host}/team/${repo}:v1` })) },
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await scheduler.whenIdle();

    const nodes = new NodePlatforms();
    nodes.set('node-a', { 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' });
    nodes.set('node-b', { 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'arm64' });
    expect(nodes.platforms()).toEqual(['linux/amd64', 'linux/arm64']);

    const series = parseMetrics([...platformMissingLines(index, results, nodes.platforms())].join(''));
    const value = (container: string, platform: string) => series.find((s) => s.labels.container === container && s.labels.platform === platform)?.value;
    expect(value('amd-only', 'linux/arm64')).toBe(1);
    expect(value('amd-only', 'linux/amd64')).toBe(0);
    expect(value('both', 'linux/arm64')).toBe(0);
    expect(series.some((s) => s.labels.container === 'single')).toBe(false);

    const { images: reports } = selectReports(buildImageView(index, results), parseImageQuery(new URLSearchParams()), { results, clusterPlatforms: nodes.platforms() });
    expect(reports.find((r) => r.image.endsWith('amd-only:v1'))?.missingPlatforms).toEqual(['linux/arm64']);
    expect(reports.find((r) => r.image.endsWith('both:v1'))?.missingPlatforms).toEqual([]);

    // A second look at the same index digest costs the HEAD only: the platforms are remembered.
    phases.length = 0;
    const again = await client.check(parseReference(`${registry.host}/team/amd-only:v1`), []);
    expect(again.platforms).toEqual(['linux/amd64']);
    expect(phases).toEqual(['manifest']);

    nodes.delete('node-b');
    expect(parseMetrics([...platformMissingLines(index, results, nodes.platforms())].join('')).every((s) => s.value === 0)).toBe(true);
  } finally {
    scheduler.stop();
    await client.close();
    await registry.stop();
  }
});

// containerd picks the index entry of the node's platform and fails the pull without one ("no match
// for platform in manifest", seen on the test bed's kubelet) or when that entry's manifest is gone.
test('an index without the nodes\' platform, or whose entry for it names a deleted manifest, is absent with a reason saying so; with the platform it is available', async () => {
  const registry = await startRegistry({ auth: 'none' });
  const nodes = ['linux/amd64'];
  const client = new RegistryClient({ requestTimeoutMs: 3000, caFiles: [], insecureSkipVerifyHosts: [], plainHttpHosts: [registry.host], connectionsPerOrigin: 2, userAgent: 't', nodePlatforms: () => nodes });
  try {
    await registry.pushIndex('team/arm-only', 'v1', { format: 'oci-index', platforms: [{ os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 's390x' }] });
    await registry.pushIndex('team/both', 'v1', { format: 'docker-list', platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }] });
    const check = (repo: string) => client.check(parseReference(`${registry.host}/team/${repo}:v1`), []);

    const armOnly = await check('arm-only');
    expect(armOnly.status).toBe('absent');
    expect(armOnly.failure).toBe('platform-missing');
    expect(armOnly.message).toContain('linux/amd64');
    expect(armOnly.message).toContain('linux/arm64, linux/s390x');
    expect(armOnly.message).toContain('no match for platform in manifest');
    expect((await check('both')).status).toBe('available');

    // The arm64 node of a mixed cluster pulls it: no alarm from the platform check.
    nodes.push('linux/arm64');
    expect((await check('arm-only')).status).toBe('available');
    nodes.splice(1);

    const broken = await registry.pushIndex('team/broken', 'v1', { format: 'oci-index', platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }] });
    await registry.deleteManifest('team/broken', broken.children.find((child) => child.platform.architecture === 'amd64')!.digest);
    const gone = await check('broken');
    expect(gone.status).toBe('absent');
    expect(gone.failure).toBe('platform-manifest-absent');
    expect(gone.message).toContain('linux/amd64 entry');
  } finally {
    await client.close();
    await registry.stop();
  }
});
