// What the status page and /api/images show: one entry per checked image (per pull-secret set),
// with the workloads that use it and why it has its status. Built from the index and results.
import type { CheckResults } from '../checks/results.js';
import type { ImageIndex } from '../index/image-index.js';
import { apiHost } from '../registry/client.js';
import type { Status } from '../status.js';
import type { ImageQuery } from './image-query.js';

export type ImageReport = {
  image: string;
  registry: string;
  status: Status | 'pending';
  reason: string;
  lastCheck?: string;
  pullSecrets: string[];
  /** Platforms the nodes run that this multi-platform image lacks (when platforms are checked). */
  missingPlatforms?: string[];
  workloads: Array<{ kind: string; namespace: string; name: string; container: string; image: string }>;
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

/** Every image, problems first, then by image. */
export function imageReports(index: ImageIndex, results: CheckResults, clusterPlatforms?: string[]): ImageReport[] {
  const reports = new Map<string, ImageReport>();
  for (const usage of index.usages()) {
    const key = usage.unit?.key ?? `bad:${usage.image}`;
    let report = reports.get(key);
    if (!report) {
      const record = usage.unit ? results.get(usage.unit.key) : undefined;
      report = usage.unit
        ? {
            image: usage.unit.reference.normalized,
            registry: apiHost(usage.unit.reference.registry),
            status: record?.status ?? 'pending',
            reason: record ? (record.status === 'available' ? '' : record.message) : (results.waitingReason(usage.unit.key) ?? 'not checked yet'),
            lastCheck: record ? new Date(record.checkedAt).toISOString() : undefined,
            pullSecrets: usage.unit.pullSecrets.map((name) => `${usage.unit!.namespace}/${name}`),
            missingPlatforms: clusterPlatforms && record?.platforms ? clusterPlatforms.filter((p) => !record.platforms!.includes(p)) : undefined,
            workloads: [],
          }
        : { image: usage.image, registry: '', status: 'bad_image_format', reason: usage.badReference ?? '', pullSecrets: [], workloads: [] };
      reports.set(key, report);
    }
    report.workloads.push({ kind: usage.kind, namespace: usage.namespace, name: usage.workload, container: usage.container, image: usage.image });
  }
  return [...reports.values()].sort((a, b) => Number(a.status === 'available') - Number(b.status === 'available') || a.image.localeCompare(b.image));
}

/** One page of the reports that match the query's filters; a namespace filter also narrows the workloads listed. */
export function selectReports(reports: readonly ImageReport[], query: ImageQuery): ReportPage {
  const inNamespace = (report: ImageReport) => (query.namespace ? report.workloads.filter((w) => w.namespace === query.namespace) : report.workloads);
  const matching = reports.filter((report) => (!query.status || report.status === query.status) && (!query.namespace || inNamespace(report).length > 0));
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
