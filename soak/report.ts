// The soak's report as Markdown: the churn, the exporter's RSS curve, the recoveries and the
// series diff, and whether the run passed.
import type { SoakReport } from './soak.js';

const SHOWN_DIFF_LINES = 20;
const CURVE_STEP_SECONDS = 30;

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
const clock = (seconds: number) => `${Math.floor(seconds / 60)}:${String(Math.round(seconds % 60)).padStart(2, '0')}`;

/** Failures that make the run a failure; empty when it passed. */
export function soakFailures(report: SoakReport): string[] {
  const failures: string[] = [];
  if (report.exporterExit) failures.push(report.exporterExit);
  for (const recovery of report.recoveries) if (!Number.isFinite(recovery.seconds)) failures.push(`${recovery.what}: ${recovery.detail}`);
  const { missing, unexpected } = report.diff;
  if (missing.length + unexpected.length > 0) failures.push(`series diff not empty after ${report.settleSeconds.toFixed(0)} s of settling: ${missing.length} missing, ${unexpected.length} unexpected`);
  return failures;
}

export function formatReport(report: SoakReport): string {
  const { options, counts, diff } = report;
  const out: string[] = [];
  out.push(
    `Soak: ${options.minutes} min of churn (seed ${options.seed}) against the real API server and registry: ` +
      `${options.workloads} workloads kept in ${options.namespaces} namespaces, ${options.opsPerSecond} operations/s, a namespace deleted every ${options.namespaceDeletionEverySeconds} s, check interval ${options.checkIntervalSeconds} s.`,
    `Before the exporter started: ${report.populated} workloads. Churn: ${counts.created} created, ${counts.changed} image changes, ${counts.deleted} deleted, ${counts.namespacesDeleted} namespaces deleted with their workloads, ` +
      `${counts.failed} operations failed (conflicts, objects gone with their namespace, the API server restarting).`,
    '',
    `Exporter RSS (a process of its own), every ${CURVE_STEP_SECONDS} s; peak ${mb(report.peakRssBytes)}:`,
    '',
    '| time | RSS | workloads |',
    '|---|---|---|',
  );
  let next = 0;
  report.rss.forEach((sample, i) => {
    if (sample.atSeconds < next && i !== report.rss.length - 1) return;
    out.push(`| ${clock(sample.atSeconds)} | ${mb(sample.rssBytes)} | ${sample.workloads} |`);
    next = sample.atSeconds + CURVE_STEP_SECONDS;
  });
  out.push('', '| event | down (stop to answering again) | exporter follows again after | detail |', '|---|---|---|---|');
  for (const r of report.recoveries) out.push(`| ${r.what} | ${r.downSeconds.toFixed(1)} s | ${Number.isFinite(r.seconds) ? `${r.seconds.toFixed(1)} s` : 'never'} | ${r.detail} |`);
  out.push('');
  if (diff.missing.length + diff.unexpected.length === 0) {
    out.push(`Series diff after settling (${report.settleSeconds.toFixed(1)} s): empty; ${diff.expected} workload containers in the API server, ${diff.exported} exported.`);
  } else {
    out.push(`Series diff after ${report.settleSeconds.toFixed(1)} s of settling: ${diff.missing.length} missing, ${diff.unexpected.length} unexpected (of ${diff.expected} expected, ${diff.exported} exported).`);
    for (const line of diff.missing.slice(0, SHOWN_DIFF_LINES)) out.push(`  - ${line}`);
    for (const line of diff.unexpected.slice(0, SHOWN_DIFF_LINES)) out.push(`  + ${line}`);
  }
  const failures = soakFailures(report);
  out.push('', failures.length === 0 ? 'PASS' : `FAIL: ${failures.join('; ')}`);
  return out.join('\n');
}
