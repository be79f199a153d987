// The soak, short: the built exporter (dist/, as `make test` builds it) against the real API
// server and registry while hundreds of workloads churn, with an API server restart and a registry
// restart. `npm run soak` runs the same for longer and bigger, with a second API server restart
// (test/integration/watch-backoff.test.ts covers that one here).
import { formatReport, soakFailures } from '../../soak/report.js';
import { runSoak, type SoakReport } from '../../soak/soak.js';

const MIB = 1024 * 1024;
const SLACK_SECONDS = 5;

describe('soak', () => {
  let report: SoakReport;

  beforeAll(async () => {
    report = await runSoak({ minutes: 0.75, workloads: 300, namespaces: 12, opsPerSecond: 10, namespaceDeletionEverySeconds: 6, checkIntervalSeconds: 20, apiRestarts: 1, seed: 7, log: () => {} });
  }, 240_000);

  test('after churn and restarts the exported series equal what the API server holds', () => {
    expect(soakFailures(report)).toEqual([]);
    expect(report.diff).toMatchObject({ missing: [], unexpected: [] });
    expect(report.diff.expected).toBeGreaterThan(200);
    // Churn happened, of every sort, while the API server was up (about half of the run).
    for (const count of [report.counts.created, report.counts.changed, report.counts.deleted, report.counts.namespacesDeleted]) expect(count).toBeGreaterThan(0);
  });

  test('after each restart the exporter follows again within twice the outage, plus a few seconds', () => {
    expect(report.recoveries.map((r) => r.what)).toEqual(['API server restart', 'registry restart']);
    // Retry delays double from 0.5 s (watches) or 1 s (checks), a check's drawn between half and
    // all of it: the delay pending when the server returns is at most about twice the outage so
    // far, unless a backoff carried over from before it.
    for (const recovery of report.recoveries) {
      if (!(recovery.seconds <= 2 * recovery.downSeconds + SLACK_SECONDS)) {
        throw new Error(`${recovery.what}: followed again ${recovery.seconds} s after an outage of ${recovery.downSeconds} s (${recovery.detail})\n${formatReport(report)}`);
      }
    }
  });

  test('the exporter stays well under the chart\'s 256 MiB memory limit', () => {
    expect(report.peakRssBytes).toBeGreaterThan(0);
    expect(report.peakRssBytes).toBeLessThan(256 * MIB);
  });
});
