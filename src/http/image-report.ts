// What the status page and /api/images show: one entry per checked image (per pull-secret set),
// with the workloads that use it, why it has its status, since when, and what to do; and one entry
// per registry. The images come from the view (image-view.ts), filtered, sorted and paged; what
// each shown image's report says is read from the latest results.
import type { GivenWarning } from '../admission/given-warnings.js';
import type { CheckRecord, CheckResults, StatusChange } from '../checks/results.js';
import { hintFor, type FailureClass } from '../registry/verdicts/reasons.js';
import type { Status } from '../status.js';
import type { ImageQuery } from './image-query.js';
import { isFailing, matches, type ImageEntry, type ImageView } from './image-view.js';

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

export type ReportPage = {
  /** Images matching the filters, before paging. */
  total: number;
  offset: number;
  limit: number;
  images: Array<ImageReport & { workloadCount: number }>;
};

/** What a report reads live, beside the view: the latest results and what the page adds to them. */
export type LiveDetails = {
  results: CheckResults;
  clusterPlatforms?: string[];
  givenWarnings?: (imageKey: string) => readonly GivenWarning[];
};

const BAD_REFERENCE_TODO = 'fix the image reference in the workload: the kubelet cannot parse it either';

/**
 * One page of the images that match the query's filters, in the order it asks for; a namespace
 * filter also narrows the workloads listed. Only the page's images get a report: a request costs
 * a walk over the view's entries, not a copy of them.
 */
export function selectReports(view: ImageView, query: ImageQuery, live: LiveDetails): ReportPage {
  const needle = query.q?.toLowerCase();
  const order = view.order(query.sort);
  const page: ImageEntry[] = [];
  let total = 0;
  for (let i = 0; i < order.length; i++) {
    const entry = view.entries[order[i]];
    if (!matches(entry, query, needle)) continue;
    if (total >= query.offset && page.length < query.limit) page.push(entry);
    total++;
  }
  return {
    total,
    offset: query.offset,
    limit: query.limit,
    images: page.map((entry) => {
      const usages = query.namespace ? entry.usages.filter((usage) => usage.namespace === query.namespace) : entry.usages;
      const workloads = usages.slice(0, MAX_WORKLOADS_SHOWN).map((u) => ({ kind: u.kind, namespace: u.namespace, name: u.workload, container: u.container, image: u.image }));
      return { ...imageReport(entry, live), workloads, workloadCount: usages.length };
    }),
  };
}

/** What the page and /api/images say about one image now. */
function imageReport(entry: ImageEntry, live: LiveDetails): ImageReport {
  const unit = entry.usages[0].unit;
  const given = live.givenWarnings?.(entry.key) ?? [];
  const admissionWarnings = given.length > 0 ? given.map((w) => ({ ...w, at: iso(w.at)! })) : undefined;
  if (!unit) {
    const report: ImageReport = { image: entry.image, registry: entry.registry, status: 'bad_image_format', reason: entry.usages[0].badReference ?? '', todo: BAD_REFERENCE_TODO, changes: [], pullSecrets: [], workloads: [] };
    if (admissionWarnings) report.admissionWarnings = admissionWarnings;
    return report;
  }
  const { results, clusterPlatforms } = live;
  const record = results.get(unit.key);
  const history = results.history(unit.key);
  const hint = record?.failure ? hintFor(record.failure) : undefined;
  const failed = record !== undefined && record.status !== 'available';
  const report: ImageReport = {
    image: entry.image,
    registry: entry.registry,
    status: record?.status ?? 'pending',
    reason: record ? withoutHint(failed ? record.message : '', hint) : (results.waitingReason(unit.key) ?? 'not checked yet'),
    todo: failed ? hint : undefined,
    failure: failed ? record.failure : undefined,
    lastCheck: iso(record?.checkedAt),
    since: iso(history?.since),
    lastAvailable: iso(history?.lastAvailableAt),
    changes: (history?.changes ?? []).map((change: StatusChange) => ({ status: change.status, at: iso(change.at)! })),
    digest: record?.digest ?? unit.reference.digest,
    durationMs: record?.durationMs,
    pullSecrets: unit.pullSecrets.map((name) => `${unit.namespace}/${name}`),
    missingPlatforms: clusterPlatforms && record?.platforms ? clusterPlatforms.filter((p) => !record.platforms!.includes(p)) : undefined,
    workloads: [],
  };
  if (admissionWarnings) report.admissionWarnings = admissionWarnings;
  return report;
}

/** Per registry, from the latest results: its images, how many fail, check times, its own last error. */
export function registryReports(view: ImageView, results: CheckResults, pausedUntil?: (registry: string) => number | undefined): RegistryReport[] {
  type Group = { images: number; failing: number; durations: number[]; lastError?: CheckRecord };
  const groups = new Map<string, Group>();
  for (const entry of view.entries) {
    const unit = entry.usages[0].unit;
    if (!unit) continue;
    let group = groups.get(entry.registry);
    if (!group) groups.set(entry.registry, (group = { images: 0, failing: 0, durations: [] }));
    group.images++;
    const record = results.get(unit.key);
    if (!record) continue;
    group.durations.push(record.durationMs);
    if (!isFailing(record.status)) continue;
    group.failing++;
    // The registry's own error: it was asked and failed; not a check the exporter refused to send, nor one cut short by its own stop.
    const registryError = record.failure !== undefined && record.failure !== 'stopping';
    if (registryError && (!group.lastError || record.checkedAt > group.lastError.checkedAt)) group.lastError = record;
  }
  return [...groups.entries()]
    .map(([registry, group]) => {
      const durations = group.durations.sort((a, b) => a - b);
      const latest = group.lastError;
      return {
        registry,
        images: group.images,
        failing: group.failing,
        p50Ms: percentile(durations, 0.5),
        p99Ms: percentile(durations, 0.99),
        lastError: latest && withoutHint(latest.message, latest.failure ? hintFor(latest.failure) : undefined),
        lastErrorAt: iso(latest?.checkedAt),
        pausedUntil: iso(pausedUntil?.(registry)),
      };
    })
    .sort((a, b) => b.failing - a.failing || b.images - a.images || a.registry.localeCompare(b.registry));
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
