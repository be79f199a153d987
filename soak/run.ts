// `npm run soak -- --minutes N [--workloads W] [--namespaces K] [--ops R] [--namespace-deletion-every S] [--interval S] [--api-restarts 1|2] [--seed X]`:
// the soak against the real API server and registry on loopback. The report goes to stdout as
// Markdown, progress to stderr; the exit code is 1 when the run failed (series diff not empty,
// a restart the exporter did not recover from, the exporter gone).
import { cpus, loadavg, totalmem } from 'node:os';
import { formatReport, soakFailures } from './report.js';
import { runSoak, type SoakOptions } from './soak.js';

const USAGE = 'usage: npm run soak -- --minutes N [--workloads W] [--namespaces K] [--ops R] [--namespace-deletion-every SECONDS] [--interval SECONDS] [--api-restarts 1|2] [--seed X]';

function option(args: string[], name: string, fallback: number, min: number, max: number): number {
  const at = args.indexOf(`--${name}`);
  if (at === -1) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isFinite(value) || value < min || value > max) {
    process.stderr.write(`--${name} must be a number from ${min} to ${max}, got ${JSON.stringify(args[at + 1] ?? '')}\n${USAGE}\n`);
    process.exit(2);
  }
  return value;
}

const args = process.argv.slice(2);
if (args.includes('--help')) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const options: SoakOptions = {
  minutes: option(args, 'minutes', 10, 0.5, 24 * 60),
  workloads: option(args, 'workloads', 3000, 10, 100_000),
  namespaces: option(args, 'namespaces', 40, 2, 1000),
  opsPerSecond: option(args, 'ops', 20, 1, 500),
  namespaceDeletionEverySeconds: option(args, 'namespace-deletion-every', 20, 1, 3600),
  checkIntervalSeconds: option(args, 'interval', 30, 1, 3600),
  apiRestarts: option(args, 'api-restarts', 2, 1, 2) === 1 ? 1 : 2,
  seed: option(args, 'seed', 1, 0, 2 ** 32 - 1),
  log: (message) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${message}\n`),
};
const loadAtStart = loadavg()[0];
const started = performance.now();
const report = await runSoak(options);
const cpu = cpus();
console.log(
  `Machine: ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GB; Node.js ${process.version}; ` +
    `${((performance.now() - started) / 60_000).toFixed(1)} min in all; load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end.\n`,
);
console.log(formatReport(report));
process.exitCode = soakFailures(report).length === 0 ? 0 : 1;
