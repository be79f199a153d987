// What the status page and /api/images show: one entry per checked image (per pull-secret set),
// with the workloads that use it, why it has its status, since when, and what to do; and one entry
// per registry. Built from the index and results as one snapshot, then filtered, sorted and paged.
import type { GivenWarning } from '../admission/given-warnings.js';
import type { CheckResults, StatusChange } from '../checks/results.js';
import { imageKeyOf, type ImageIndex } from '../index/image-index.js';
import { apiHost } from '../registry/client.js';
import { hintFor, type FailureClass } from '../registry/verdicts/reasons.js';
import type { Status } from '../status.js';
import type { ImageQuery } from './image-query.js';

export type ImageReport = {
  image: string;
  registry: string;
  status: Status | 'pending';
  /** What happened, in words (the hint is separate). */
  reason: string;
  /** What to do about it, one line; absent when available or pending. */
  todo?: string;
  /** The class of a failure the registry (or the way to it) gave; absent when the exporter refused to ask (a malformed pull secret, too many secrets). */
  failure?: FailureClass;
  lastCheck?: string;
  /** When the image got its current status. */
  since?: string;
  lastAvailable?: string;
  /** Its last few status changes, oldest first. */
  changes: Array<{ status: Status; at: string }>;
  /** The manifest digest the registry answered with, or the one in the reference. */
  digest?: string;
  durationMs?: number;
  pullSecrets: string[];
  /** Platforms the nodes run that this multi-platform image lacks (when platforms are checked). */
  missingPlatforms?: string[];
  workloads: Array<{ kind: string; namespace: string; name: string; container: string; image: string }>;
  /** The admission webhook's latest warnings about the image, oldest first; absent when none. */
  admissionWarnings?: Array<{ at: string; operation: string; object: string; dryRun: boolean; denied: boolean; warning: string }>;
};

export type RegistryReport = {
  registry: string;
  images: number;
  failing: number;
  /** Latest check duration of its images: median and 99th percentile. */
  p50Ms?: number;
  p99Ms?: number;
  lastError?: string;
  lastErrorAt?: string;
  /** Checks wait for the registry's Retry-After (429) until then. */
  pausedUntil?: string;
};

/** Workloads listed per image in a page: a base image used by thousands must not make a page huge. */
export const MAX_WORKLOADS_SHOWN = 50;

export type ReportSnapshot = {
  reports: ImageReport[];
  /** Lower-case text each report is searched in, same order. */
  haystacks: string[];
  registries: RegistryReport[];
  takenAt: number;
};

export type ReportPage = {
  /** Images matching the filters, before paging. */
  total: number;
  offset: number;
  limit: number;
  images: Array<ImageReport & { workloadCount: number }>;
};

const BAD_REFERENCE_TODO = 'fix the image reference in the workload: the kubelet cannot parse it either';

/** Every image and registry, failing images first, then by image. */
export function reportSnapshot(
  index: ImageIndex,
  results: CheckResults,
  clusterPlatforms?: string[],
  pausedUntil?: (registry: string) => number | undefined,
  givenWarnings?: (imageKey: string) => readonly GivenWarning[],
): ReportSnapshot {
  const reports = new Map<string, ImageReport>();
  for (const usage of index.usages()) {
    const key = imageKeyOf(usage);
    let report = reports.get(key);
    if (!report) {
      const record = usage.unit ? results.get(usage.unit.key) : undefined;
      const history = usage.unit ? results.history(usage.unit.key) : undefined;
      const hint = record?.failure ? hintFor(record.failure) : undefined;
      const message = record && record.status !== 'available' ? record.message : '';
      report = usage.unit
        ? {
            image: usage.unit.reference.normalized,
            registry: apiHost(usage.unit.reference.registry),
            status: record?.status ?? 'pending',
            reason: record ? withoutHint(message, hint) : (results.waitingReason(usage.unit.key) ?? 'not checked yet'),
            todo: record && record.status !== 'available' ? hint : undefined,
            failure: record && record.status !== 'available' ? record.failure : undefined,
            lastCheck: iso(record?.checkedAt),
            since: iso(history?.since),
            lastAvailable: iso(history?.lastAvailableAt),
            changes: (history?.changes ?? []).map((change: StatusChange) => ({ status: change.status, at: iso(change.at)! })),
            digest: record?.digest ?? usage.unit.reference.digest,
            durationMs: record?.durationMs,
            pullSecrets: usage.unit.pullSecrets.map((name) => `${usage.unit!.namespace}/${name}`),
            missingPlatforms: clusterPlatforms && record?.platforms ? clusterPlatforms.filter((p) => !record.platforms!.includes(p)) : undefined,
            workloads: [],
          }
        : { image: usage.image, registry: '(cannot be parsed)', status: 'bad_image_format', reason: usage.badReference ?? '', todo: BAD_REFERENCE_TODO, changes: [], pullSecrets: [], workloads: [] };
      const given = givenWarnings?.(key) ?? [];
      if (given.length > 0) report.admissionWarnings = given.map((w) => ({ ...w, at: iso(w.at)! }));
      reports.set(key, report);
    }
    report.workloads.push({ kind: usage.kind, namespace: usage.namespace, name: usage.workload, container: usage.container, image: usage.image });
  }
  const list = [...reports.values()].sort(byStatus);
  return {
    reports: list,
    haystacks: list.map((r) => [r.image, r.registry, ...r.pullSecrets, ...r.workloads.map((w) => `${w.kind} ${w.namespace}/${w.name} ${w.container}`)].join('\n').toLowerCase()),
    registries: registryReports(list, pausedUntil),
    takenAt: Date.now(),
  };
}

export function isFailing(status: ImageReport['status']): boolean {
  return status !== 'available' && status !== 'pending';
}

/** One page of the reports that match the query's filters; a namespace filter also narrows the workloads listed. */
export function selectReports(snapshot: ReportSnapshot, query: ImageQuery): ReportPage {
  const needle = query.q?.toLowerCase();
  const inNamespace = (report: ImageReport) => (query.namespace ? report.workloads.filter((w) => w.namespace === query.namespace) : report.workloads);
  const matching = snapshot.reports.filter(
    (report, i) =>
      (!query.status || (query.status === 'failing' ? isFailing(report.status) : report.status === query.status)) &&
      (!query.namespace || inNamespace(report).length > 0) &&
      (!needle || snapshot.haystacks[i].includes(needle)),
  );
  if (query.sort !== 'status') matching.sort(SORTERS[query.sort]);
  return {
    total: matching.length,
    offset: query.offset,
    limit: query.limit,
    images: matching.slice(query.offset, query.offset + query.limit).map((report) => {
      const workloads = inNamespace(report);
      return { ...report, workloads: workloads.slice(0, MAX_WORKLOADS_SHOWN), workloadCount: workloads.length };
    }),
  };
}

/** Failing first (by status name), then pending, then available; by image within. */
function byStatus(a: ImageReport, b: ImageReport): number {
  return rank(a) - rank(b) || (rank(a) === 0 ? a.status.localeCompare(b.status) : 0) || a.image.localeCompare(b.image);
}

function rank(report: ImageReport): number {
  return isFailing(report.status) ? 0 : report.status === 'pending' ? 1 : 2;
}

const SORTERS: Record<Exclude<ImageQuery['sort'], 'status'>, (a: ImageReport, b: ImageReport) => number> = {
  since: (a, b) => (b.since ?? '').localeCompare(a.since ?? '') || byStatus(a, b),
  registry: (a, b) => a.registry.localeCompare(b.registry) || byStatus(a, b),
  image: (a, b) => a.image.localeCompare(b.image),
};

function registryReports(reports: ImageReport[], pausedUntil?: (registry: string) => number | undefined): RegistryReport[] {
  const groups = new Map<string, ImageReport[]>();
  for (const report of reports) {
    if (report.status === 'bad_image_format' && !report.lastCheck) continue;
    let group = groups.get(report.registry);
    if (!group) groups.set(report.registry, (group = []));
    group.push(report);
  }
  return [...groups.entries()]
    .map(([registry, group]) => {
      const durations = group.flatMap((r) => (r.durationMs === undefined ? [] : [r.durationMs])).sort((a, b) => a - b);
      const failing = group.filter((r) => isFailing(r.status));
      const latest = failing.filter(isRegistryError).reduce<ImageReport | undefined>((best, r) => (!best || (r.lastCheck ?? '') > (best.lastCheck ?? '') ? r : best), undefined);
      return {
        registry,
        images: group.length,
        failing: failing.length,
        p50Ms: percentile(durations, 0.5),
        p99Ms: percentile(durations, 0.99),
        lastError: latest?.reason,
        lastErrorAt: latest?.lastCheck,
        pausedUntil: iso(pausedUntil?.(registry)),
      };
    })
    .sort((a, b) => b.failing - a.failing || b.images - a.images || a.registry.localeCompare(b.registry));
}

/** The registry's own error: it was asked and failed; not a check the exporter refused to send, nor one cut short by its own stop. */
function isRegistryError(report: ImageReport): boolean {
  return report.failure !== undefined && report.failure !== 'stopping';
}

/**
 * The message without its what-to-do line, which the page shows apart. The hint ends the message
 * (explain() in reasons.ts), but notes may follow it in parentheses (pull secrets read earlier,
 * credential providers that failed): cut it wherever it stands.
 */
function withoutHint(message: string, hint: string | undefined): string {
  if (!hint) return message;
  const at = message.lastIndexOf(`: ${hint}`);
  return at < 0 ? message : message.slice(0, at) + message.slice(at + hint.length + 2);
}

function percentile(sorted: number[], p: number): number | undefined {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] : undefined;
}

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}
