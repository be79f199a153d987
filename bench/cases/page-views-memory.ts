// Case 9, what page views cost the exporter: its resident memory and its /metrics scrapes while 10
// clients page through the status page of N images as its script does (the results part: the
// next page of failing images, a search, the latest changes; every tenth a whole page). The
// exporter's routes run in a process of their own (bench/lib/http-probe.ts, the image's Node flags
// and the chart's heap limit); one scraper asks for /metrics (gzip) every 1.5 s, past the render's
// 1 s freshness so each scrape renders. Baseline: the same process, same scrapes, no page views.
import { get } from 'node:http';
import type { Row } from '../lib/report.js';
import { log, mb, median, ms } from '../lib/stats.js';
import { scrapesEvery, startProbe, stopProbe } from './scrape-load.js';

const PAGE_CLIENTS = 10;
const SCRAPES = 8;
const SCRAPE_EVERY_MS = 1500;
/** Page views may hold their answer and nothing else: the peak within this of the idle peak. */
const RSS_RATIO_TARGET = 1.25;

function pageView(port: number, path: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve) => {
    get({ host: '127.0.0.1', port, path }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => (bytes += chunk.length));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, bytes }));
      response.on('error', () => resolve({ status: 0, bytes }));
    }).on('error', () => resolve({ status: 0, bytes: 0 }));
  });
}

/** The i-th page view of a client: paging through failing images, searching, the latest changes. */
function pathOf(client: number, i: number): string {
  if (i % 10 === 9) return `/?offset=${(i * 100) % 5000}`;
  switch ((client + i) % 3) {
    case 0:
      return `/?status=failing&offset=${(i * 100) % 3000}&part=results`;
    case 1:
      return `/?q=team-${String(i % 40).padStart(2, '0')}&part=results`;
    default:
      return `/?sort=since&offset=${(i * 100) % 5000}&part=results`;
  }
}

export async function pageViewsMemoryCase(images: number): Promise<Row[]> {
  const probe = await startProbe(['cluster', String(images)]);
  try {
    const idleRss = probe.ask({ measure: SCRAPES * SCRAPE_EVERY_MS });
    const idle = await scrapesEvery(probe.port, SCRAPES, SCRAPE_EVERY_MS);
    const idlePeak = ((await idleRss) as { peak: number }).peak;
    let stop = false;
    const statuses = new Map<number, number>();
    const sizes: number[] = [];
    const started = performance.now();
    const loadedRss = probe.ask({ measure: SCRAPES * SCRAPE_EVERY_MS });
    const clients = Array.from({ length: PAGE_CLIENTS }, async (_, client) => {
      for (let i = 0; !stop; i++) {
        const view = await pageView(probe.port, pathOf(client, i));
        statuses.set(view.status, (statuses.get(view.status) ?? 0) + 1);
        if (view.status === 200) sizes.push(view.bytes);
      }
    });
    const loaded = await scrapesEvery(probe.port, SCRAPES, SCRAPE_EVERY_MS);
    const loadedPeak = ((await loadedRss) as { peak: number }).peak;
    stop = true;
    await Promise.all(clients);
    const seconds = (performance.now() - started) / 1000;
    const maxRss = ((await probe.ask({ maxRss: true })) as { maxRss: number }).maxRss;
    const answered = [...statuses].map(([status, count]) => `${count} × ${status}`).join(', ');
    const perSecond = (sizes.length / seconds).toFixed(0);
    log(
      `page views: ${PAGE_CLIENTS} clients, ${answered} (${perSecond}/s, answers median ${(median(sizes) / 1024).toFixed(0)} KiB, max ${(Math.max(...sizes) / 1024).toFixed(0)} KiB); ` +
        `RSS peak ${mb(loadedPeak)} against ${mb(idlePeak)} idle (lifetime ${mb(maxRss)}); scrapes p50 ${ms(median(loaded))}, max ${ms(Math.max(...loaded))} against idle p50 ${ms(median(idle))}, max ${ms(Math.max(...idle))}`,
    );
    return [
      {
        case: `9. RSS while ${PAGE_CLIENTS} clients page through the status page, ${probe.units} images, image's Node flags`,
        exporter: `peak ${mb(loadedPeak)} (${answered}, ${perSecond} a second; answers median ${(median(sizes) / 1024).toFixed(0)} KiB, max ${(Math.max(...sizes) / 1024).toFixed(0)} KiB)`,
        baseline: `the same process with no page views: peak ${mb(idlePeak)}`,
        ratio: loadedPeak / idlePeak,
        target: `≤ ${RSS_RATIO_TARGET}`,
        pass: loadedPeak / idlePeak <= RSS_RATIO_TARGET,
      },
      {
        case: `9. /metrics of ${probe.units} images while ${PAGE_CLIENTS} clients page through the status page`,
        exporter: `${SCRAPES} scrapes: p50 ${ms(median(loaded))}, max ${ms(Math.max(...loaded))}`,
        baseline: `the same scrapes with no page views: p50 ${ms(median(idle))}, max ${ms(Math.max(...idle))}`,
        ratio: Math.max(...loaded) / median(idle),
        target: '',
      },
    ];
  } finally {
    await stopProbe(probe);
  }
}
