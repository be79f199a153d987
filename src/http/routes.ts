// What each path serves, built from the exporter's parts: /metrics from one shared rendering,
// the status page and /api/images from one shared snapshot of the image reports, one page at a time.
import type { CheckResults } from '../checks/results.js';
import type { ImageIndex } from '../index/image-index.js';
import type { ExporterMetrics } from '../metrics.js';
import { reportSnapshot, selectReports, type ReportSnapshot } from './image-report.js';
import { packText } from './packed-text.js';
import type { Body, Routes } from './server.js';
import { SharedRender } from './shared-render.js';
import { STATUS_CSS, STATUS_JS } from './status-assets.js';
import { renderStatusPage } from './status-page.js';

/** How old a shared rendering may be when a request arrives: far below any scrape or check interval. */
export const FRESH_MS = 1000;

/** Scripts and styles from this origin only, nothing inline, no other requests. */
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
};

export type RouteSources = {
  version: string;
  index: ImageIndex;
  results: CheckResults;
  metrics: ExporterMetrics;
  /** os/architecture pairs the nodes run, when platforms are checked. */
  clusterPlatforms(): string[] | undefined;
  /** Until when a registry's checks wait for its Retry-After, if they do. */
  pausedUntil?(registry: string): number | undefined;
  notReadyReason(): string | undefined;
};

export function exporterRoutes(sources: RouteSources): Routes & { metricsRender: SharedRender<Buffer[]> } {
  const { index, results, metrics, version } = sources;
  const metricsRender = new SharedRender(async () => packText(await metrics.exposition(sources.clusterPlatforms())).chunks, FRESH_MS);
  const snapshots = new SharedRender<ReportSnapshot>(() => reportSnapshot(index, results, sources.clusterPlatforms(), sources.pausedUntil), FRESH_MS);
  const withSnapshot = async (render: (snapshot: ReportSnapshot) => Omit<Body, 'release'>): Promise<Body> => {
    const lease = await snapshots.acquire();
    try {
      return render(lease.value);
    } finally {
      lease.release();
    }
  };
  const asset = (contentType: string, text: string): Body => ({ contentType, chunks: [Buffer.from(text)], headers: { 'cache-control': 'max-age=300', 'x-content-type-options': 'nosniff' } });
  return {
    metricsRender,
    async metrics() {
      const lease = await metricsRender.acquire();
      return { contentType: metrics.contentType, chunks: lease.value, release: lease.release };
    },
    notReadyReason: () => sources.notReadyReason(),
    statusPage: (query) =>
      withSnapshot((snapshot) => {
        const namespaces = [...new Set(snapshot.reports.flatMap((report) => report.workloads.map((w) => w.namespace)))].sort();
        return {
          contentType: 'text/html; charset=utf-8',
          headers: PAGE_HEADERS,
          chunks: [Buffer.from(renderStatusPage(snapshot, selectReports(snapshot, query), query, namespaces, version))],
        };
      }),
    imagesJson: (query) =>
      withSnapshot((snapshot) => ({
        contentType: 'application/json',
        chunks: [Buffer.from(JSON.stringify(selectReports(snapshot, query), null, 2))],
      })),
    assets: new Map([
      ['/status.css', asset('text/css; charset=utf-8', STATUS_CSS)],
      ['/status.js', asset('text/javascript; charset=utf-8', STATUS_JS)],
    ]),
  };
}
