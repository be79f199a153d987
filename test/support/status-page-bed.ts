// The exporter's HTTP server on loopback, fed by an index and results, and Debian's chromium to
// look at it: what each browser test starts in beforeAll, and stops in afterAll with one call.
import type { Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { exporterRoutes, type RouteSources } from '../../src/http/routes.js';
import { startHttpServer } from '../../src/http/server.js';
import { ExporterMetrics } from '../../src/metrics/metrics.js';
import { launchChromium } from './chromium.js';
import type { ClusterImages } from './cluster-images.js';

export type StatusPageBed = { url: string; browser: Browser; close(): Promise<void> };

/** `more` adds route sources to the defaults (no platforms, ready), e.g. the webhook's warnings. */
export async function openStatusPageBed({ index, results }: ClusterImages, more: Partial<RouteSources> = {}): Promise<StatusPageBed> {
  const metrics = new ExporterMetrics('test', index, results);
  const routes = exporterRoutes({ version: 'test', index, results, metrics, clusterPlatforms: () => undefined, notReadyReason: () => undefined, ...more });
  const { server, port } = await startHttpServer({ host: '127.0.0.1', port: 0 }, routes);
  let browser: Browser;
  try {
    browser = await launchChromium();
  } catch (error) {
    await closeServer(server);
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    browser,
    close: async () => {
      await browser.close();
      await closeServer(server);
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
