// A real registry goes down and comes back: the statuses follow within one retry period,
// without waiting for the check interval.
import { imageChecker } from '../../src/checks/image-checker.js';
import { CheckResults } from '../../src/checks/results.js';
import { CheckScheduler } from '../../src/checks/scheduler.js';
import { RegistryClient } from '../../src/registry/client.js';
import { parseReference } from '../../src/registry/references/reference.js';
import { eventually } from '../support/metrics-text.js';
import { startRegistry } from '../support/registry.js';

test('registry down → registry_unavailable; back → available within the retry delay', async () => {
  const registry = await startRegistry({ auth: 'none' });
  const client = new RegistryClient({ requestTimeoutMs: 2000, caFiles: [], insecureSkipVerifyHosts: [], plainHttpHosts: [registry.host], connectionsPerOrigin: 4, userAgent: 't' });
  const results = new CheckResults();
  const scheduler = new CheckScheduler({
    intervalMs: 4000,
    retryInitialDelayMs: 200,
    perRegistryConcurrency: 4,
    globalConcurrency: 8,
    results,
    check: imageChecker(client, undefined),
  });
  try {
    await registry.pushImage('team/app', 'v1');
    const reference = parseReference(`${registry.host}/team/app:v1`);
    scheduler.add({ key: reference.normalized, reference, pullSecrets: [] });
    const status = async () => results.get(reference.normalized)?.status;
    await eventually(status, (s) => s === 'available', 5000, 'first check');

    await registry.pause();
    await eventually(status, (s) => s === 'registry_unavailable', 6000, 'down detected at the next interval');
    await registry.resume();
    const backAt = Date.now();
    await eventually(status, (s) => s === 'available', 5000, 'recovery');
    // retries at 200, 400, 800 ms… after the failure: well before the 4 s interval
    expect(Date.now() - backAt).toBeLessThan(2500);
  } finally {
    scheduler.stop();
    await client.close();
    await registry.stop();
  }
});
