// What each path serves, built from the exporter's parts: /metrics from one shared rendering, kept
// compressed (gzip-body.ts); the status page and /api/images one page at a time from one shared
// view of the images (image-view.ts), rebuilt only when a workload or an image's status changed.
import type { GivenWarning } from '../admission/given-warnings.js';
import type { CheckResults } from '../checks/results.js';
import type { ImageIndex } from '../index/image-index.js';
import type { ExporterMetrics } from '../metrics/metrics.js';
import { registryReports, selectReports, type LiveDetails, type RegistryReport } from './image-report.js';
import { buildImageView, type ImageView } from './image-view.js';
import { gunzipped, type GzipBody } from './gzip-body.js';
import type { Body, Routes } from './server.js';
import { PageGate } from './page-gate.js';
import { SharedRender } from './shared-render.js';
import { STATUS_CSS, STATUS_JS } from './status-assets.js';
import { renderResults, renderStatusPage } from './status-page.js';

/** How old a shared rendering may be when a request arrives and nothing it shows has changed: far below any scrape or check interval. */
export const FRESH_MS = 1000;

/** Scripts and styles from this origin only, nothing inline; the script fetches the page's results from this origin and no other. */
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
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
  /** What the status page says above the images: why they may be out of date or few. */
  notices?(): string[];
  /** The admission webhook's warnings about an image (by its report key), when the webhook is on. */
  givenWarnings?(imageKey: string): readonly GivenWarning[];
  /** How long each /metrics render took, compression included. */
  metricsRendered?(renderMs: number): void;
  /** False: no status page, no /api/images (--status-page=false). */
  statusPage?: boolean;
};

export function exporterRoutes(sources: RouteSources): Routes & { metricsRender: SharedRender<GzipBody>; imageViews: SharedRender<ImageView> } {
  const { index, results, metrics, version } = sources;
  // Scrapes first: pages wait while /metrics renders, and render one at a time (page-gate.ts).
  const gate = new PageGate();
  // Both only grow, so their sum changes whenever either does: a workload, or an image's status.
  const contentVersion = () => index.version + results.statusVersion;
  const metricsRender = new SharedRender(
    () =>
      gate.metrics(async () => {
        const started = performance.now();
        const body = await metrics.gzippedExposition(sources.clusterPlatforms());
        sources.metricsRendered?.(performance.now() - started);
        return body;
      }),
    { keepUnchangedMs: FRESH_MS, version: contentVersion },
  );
  // The view has nothing that ages: kept while nothing changes; after a change, rebuilt at most once per FRESH_MS.
  const views = new SharedRender<ImageView>(() => buildImageView(index, results), { keepUnchangedMs: Infinity, keepChangedMs: FRESH_MS, version: contentVersion });
  // The registries' figures (check time percentiles, last errors) take a walk over every image: at most once per FRESH_MS per view.
  let registriesSeen: { view: ImageView; at: number; reports: RegistryReport[] } | undefined;
  const registriesOf = (view: ImageView): RegistryReport[] => {
    const now = Date.now();
    if (registriesSeen?.view !== view || now - registriesSeen.at >= FRESH_MS) registriesSeen = { view, at: now, reports: registryReports(view, results, sources.pausedUntil) };
    return registriesSeen.reports;
  };
  const live = (): LiveDetails => ({ results, clusterPlatforms: sources.clusterPlatforms(), givenWarnings: sources.givenWarnings });
  const withView = (render: (view: ImageView) => Buffer, contentType: string, headers?: Record<string, string>): Promise<Body | undefined> =>
    gate.page(async () => {
      const lease = await views.acquire();
      try {
        const page = render(lease.value);
        return { contentType, chunks: [page], length: page.length, headers };
      } finally {
        lease.release();
      }
    });
  const asset = (contentType: string, text: string): Body => {
    const content = Buffer.from(text);
    return { contentType, chunks: [content], length: content.length, headers: { 'cache-control': 'max-age=300', 'x-content-type-options': 'nosniff' } };
  };
  const metricsRoutes = {
    metricsRender,
    imageViews: views,
    async metrics(acceptsGzip: boolean): Promise<Body> {
      const lease = await metricsRender.acquire();
      const body = lease.value;
      return acceptsGzip
        ? { contentType: metrics.contentType, chunks: body.gzipped, length: body.gzippedBytes, headers: { 'content-encoding': 'gzip', vary: 'accept-encoding' }, release: lease.release, inMemory: true }
        : { contentType: metrics.contentType, chunks: gunzipped(body.gzipped), length: body.bytes, headers: { vary: 'accept-encoding' }, release: lease.release };
    },
    notReadyReason: () => sources.notReadyReason(),
  };
  if (sources.statusPage === false) return metricsRoutes;
  return {
    ...metricsRoutes,
    statusPage: (query) =>
      withView(
        (view) => {
          // The script's request for what a search, filter, sort or page changes: no registries, no form.
          if (query.part === 'results') return Buffer.from(renderResults(view, selectReports(view, query, live()), query));
          const registries = registriesOf(view);
          return Buffer.from(renderStatusPage(view, registries, selectReports(view, query, live()), query, version, sources.notices?.()));
        },
        'text/html; charset=utf-8',
        PAGE_HEADERS,
      ),
    imagesJson: (query) => withView((view) => Buffer.from(JSON.stringify(selectReports(view, query, live()), null, 2)), 'application/json'),
    assets: new Map([
      ['/status.css', asset('text/css; charset=utf-8', STATUS_CSS)],
      ['/status.js', asset('text/javascript; charset=utf-8', STATUS_JS)],
    ]),
  };
}
