// Case 9, beside the status page: /metrics while the status page and /api/images are asked for
// without pause. The exporter (bench/lib/http-probe.ts, a process of its own with the image's Node flags and the
// chart's heap limit) holds 100 000 availability series; 10 clients in this process loop on `/`
// and `/api/images` (each with a search, so each page is rendered anew), while one scraper asks
// for /metrics (gzip) once every 1.5 s, past the render's 1 s freshness so each scrape renders.
// Baseline: the same scrapes with no page load, in the same process just before.
import { get } from 'node:http';
import type { Row } from '../lib/report.js';
import { log, median, ms, percentile } from '../lib/stats.js';
import { scrapesEvery, startProbe, stopProbe } from './scrape-load.js';

const PAGE_CLIENTS = 10;
const SCRAPES = 8;
const SCRAPE_EVERY_MS = 1500;
/** Scrapes keep their latency: at most this many times the idle scrape, plus a page render or two. */
const RATIO_TARGET = 3;

function page(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    get({ host: '127.0.0.1', port, path }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', () => resolve(0));
    }).on('error', () => resolve(0));
  });
}

export async function scrapeUnderPagesCase(series: number): Promise<Row[]> {
  const probe = await startProbe(['synthetic', String(Math.ceil(series / 8))]);
  try {
    const idle = await scrapesEvery(probe.port, SCRAPES, SCRAPE_EVERY_MS);
    let stop = false;
    const statuses = new Map<number, number>();
    const clients = Array.from({ length: PAGE_CLIENTS }, async (_, client) => {
      for (let i = 0; !stop; i++) {
        const path = client % 2 === 0 ? `/?q=service-${i % 97}` : `/api/images?q=team-${i % 50}`;
        const status = await page(probe.port, path);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    });
    const loaded = await scrapesEvery(probe.port, SCRAPES, SCRAPE_EVERY_MS);
    stop = true;
    await Promise.all(clients);
    const answered = [...statuses].map(([status, count]) => `${count} × ${status}`).join(', ');
    log(`scrape under page load: ${series} series; idle scrapes p50 ${ms(median(idle))}, max ${ms(Math.max(...idle))}; under ${PAGE_CLIENTS} page clients p50 ${ms(median(loaded))}, max ${ms(Math.max(...loaded))}; pages: ${answered}`);
    const ratio = Math.max(...loaded) / median(idle);
    return [
      {
        case: `9. /metrics (${series} series) while ${PAGE_CLIENTS} clients loop on / and /api/images`,
        exporter: `${SCRAPES} scrapes: p50 ${ms(median(loaded))}, max ${ms(Math.max(...loaded))}; pages answered ${answered}`,
        baseline: `the same scrapes with no page load: p50 ${ms(median(idle))}, p99 ${ms(percentile(idle, 99))}`,
        ratio,
        target: `slowest ≤ ${RATIO_TARGET}× the idle p50`,
        pass: ratio <= RATIO_TARGET,
      },
    ];
  } finally {
    await stopProbe(probe);
  }
}
