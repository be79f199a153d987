// Case 6: what a kubelet credential provider plugin costs the checks. N images checked by the
// exporter's machinery with the kubelet's sources on and one plugin matching every image, next to
// the same images with no plugin, in the same run: once with the plugin's answer cached for its
// registry (as ecr-credential-provider answers: Registry key, hours), once with no caching
// (cacheDuration 0s: a process per check, the worst a plugin can ask for).
//
// The plugin is a STAND-IN written here as a shell script (cat the request, print a fixed
// CredentialProviderResponse): its start costs about what a static Go plugin's does, and a real
// plugin's own network call is not what is measured.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CredentialProvider } from '../../src/registry/credentials/credential-provider.js';
import { credentialSources } from '../../src/registry/credentials/credential-sources.js';
import type { TestRegistry } from '../../test/support/registry.js';
import { defaults } from '../lib/machinery.js';
import type { Row } from '../lib/report.js';
import { seededImages } from '../lib/seeded-names.js';
import { log, ms } from '../lib/stats.js';
import { exporterPass } from './throughput.js';

const TARGET_CACHED_RATIO = 0.9;

/** The kubelet's sources with the stand-in plugin, answering for `host` with the given cacheDuration. */
function pluginSources(dir: string, host: string, cacheDuration: string): CredentialProvider[] {
  const binDir = join(dir, `bin-${cacheDuration}`);
  mkdirSync(binDir, { recursive: true });
  const response = JSON.stringify({
    kind: 'CredentialProviderResponse',
    apiVersion: 'credentialprovider.kubelet.k8s.io/v1',
    cacheKeyType: 'Registry',
    cacheDuration,
    auth: { [host]: { username: 'bench', password: 'bench' } },
  });
  writeFileSync(join(binDir, 'stand-in'), `#!/bin/sh\ncat >/dev/null\nprintf '%s' '${response}'\n`);
  chmodSync(join(binDir, 'stand-in'), 0o755);
  const config = join(dir, `config-${cacheDuration}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      apiVersion: 'kubelet.config.k8s.io/v1',
      kind: 'CredentialProviderConfig',
      providers: [{ name: 'stand-in', matchImages: [host], defaultCacheDuration: '0s', apiVersion: 'credentialprovider.kubelet.k8s.io/v1' }],
    }),
  );
  const settings = { ...defaults(), imageCredentialProviderConfig: config, imageCredentialProviderBinDir: binDir, dockerConfigCredentials: false };
  return credentialSources(settings, [], { warn: () => undefined, info: () => undefined }, process.env);
}

export async function credentialPluginCase(registry: TestRegistry, repos: number, n: number): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'iae-bench-plugin-'));
  try {
    const images = seededImages(registry.host, repos, n);
    const cached = pluginSources(dir, registry.host, '1h');
    const uncached = pluginSources(dir, registry.host, '0s');
    // B C U C B: a drift in the machine's load hits every side alike.
    const base1 = await exporterPass(registry.host, images, []);
    const cached1 = await exporterPass(registry.host, images, cached);
    const none = await exporterPass(registry.host, images, uncached);
    const cached2 = await exporterPass(registry.host, images, cached);
    const base2 = await exporterPass(registry.host, images, []);
    const rate = (passes: Array<{ ms: number }>) => (passes.length * n * 1000) / passes.reduce((sum, one) => sum + one.ms, 0);
    const failures = [base1, cached1, none, cached2, base2].reduce((sum, one) => sum + one.failures, 0);
    const baseline = rate([base1, base2]);
    log(`credential plugin ${n}: baseline ${ms(base1.ms)}, ${ms(base2.ms)}; cached ${ms(cached1.ms)}, ${ms(cached2.ms)}; a run per check ${ms(none.ms)}`);
    const failed = failures ? ` (${failures} failed!)` : '';
    return [
      {
        case: `6. kubelet credential plugin, answer cached per registry, ${n} images`,
        exporter: `${rate([cached1, cached2]).toFixed(0)} checks/s${failed}`,
        baseline: `no plugin ${baseline.toFixed(0)}/s`,
        ratio: rate([cached1, cached2]) / baseline,
        target: `≥ ${TARGET_CACHED_RATIO.toFixed(2)}`,
        pass: failures === 0 && rate([cached1, cached2]) / baseline >= TARGET_CACHED_RATIO,
      },
      {
        case: `6. kubelet credential plugin, a run per check (cacheDuration 0s), ${n} images`,
        exporter: `${rate([none]).toFixed(0)} checks/s (${((none.ms * 4) / n).toFixed(1)} ms of plugin time per check, 4 runs at once)${failed}`,
        baseline: `no plugin ${baseline.toFixed(0)}/s`,
        ratio: rate([none]) / baseline,
        target: '',
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
