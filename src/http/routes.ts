// What each path serves, built from the exporter's parts: /metrics from one shared rendering,
// the status page and /api/images from one shared snapshot of the image reports, one page at a time.
import type { CheckResults } from '../checks/results.js';
import type { ImageIndex } from '../index/image-index.js';
import type { ExporterMetrics } from '../metrics.js';
import { imageReports, selectReports, type ImageReport } from './image-report.js';
import { packText } from './packed-text.js';
import type { Body, Routes } from './server.js';
import { SharedRender } from './shared-render.js';
import { renderStatusPage } from './status-page.js';

/** How old a shared rendering may be when a request arrives: far below any scrape or check interval. */
export const FRESH_MS = 1000;

export type RouteSources = {
  version: string;
  index: ImageIndex;
  results: CheckResults;
  metrics: ExporterMetrics;
  /** os/architecture pairs the nodes run, when platforms are checked. */
  clusterPlatforms(): string[] | undefined;
  notReadyReason(): string | undefined;
};

export function exporterRoutes(sources: RouteSources): Routes & { metricsRender: SharedRender<Buffer[]> } {
  const { index, results, metrics, version } = sources;
  const metricsRender = new SharedRender(async () => packText(await metrics.exposition(sources.clusterPlatforms())).chunks, FRESH_MS);
  const reports = new SharedRender<ImageReport[]>(() => imageReports(index, results, sources.clusterPlatforms()), FRESH_MS);
  const withReports = async (render: (all: ImageReport[]) => Omit<Body, 'release'>): Promise<Body> => {
    const lease = await reports.acquire();
    try {
      return render(lease.value);
    } finally {
      lease.release();
    }
  };
  return {
    metricsRender,
    async metrics() {
      const lease = await metricsRender.acquire();
      return { contentType: metrics.contentType, chunks: lease.value, release: lease.release };
    },
    notReadyReason: () => sources.notReadyReason(),
    statusPage: (query) =>
      withReports((all) => {
        const namespaces = [...new Set(all.flatMap((report) => report.workloads.map((w) => w.namespace)))].sort();
        return {
          contentType: 'text/html; charset=utf-8',
          headers: { 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'", 'x-content-type-options': 'nosniff' },
          chunks: [Buffer.from(renderStatusPage(all, selectReports(all, query), query, namespaces, version))],
        };
      }),
    imagesJson: (query) =>
      withReports((all) => ({
        contentType: 'application/json',
        chunks: [Buffer.from(JSON.stringify(selectReports(all, query), null, 2))],
      })),
  };
}
