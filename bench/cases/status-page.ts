// Case 9: the status page in Debian's chromium (playwright-core) with a cluster of N images
// (test/support/cluster-images.ts: long references and digests, a registry down, missing tags,
// refused and denied credentials), served by the exporter's routes in a process of their own run
// as the image runs them (bench/lib/http-probe.ts: its Node, flags and environment, so V8 without
// its optimizing compiler): time from navigation to the page's load event for the first render,
// a search, a status filter (clicking its count), a sort and the next page; p95 of 20 each.
// Baseline: the same URLs fetched without a browser, i.e. what the server and transfer cost.
// Then what a change costs: one image's status changes, and the next page after the view's
// 1 s rebuild spacing rebuilds the view of all images.
import { chromium, type Page } from 'playwright-core';
import type { Row } from '../lib/report.js';
import { log, median, ms, percentile, sleep } from '../lib/stats.js';
import { startProbe, stopProbe } from './scrape-load.js';

const RUNS = 20;
const TARGET_MS = 200;
const CHANGES = 5;
/** The view is rebuilt at most once per this after a change (routes.ts FRESH_MS), plus a margin. */
const REBUILD_SPACING_MS = 1100;

type Step = { name: string; path: string; act(page: Page, url: string): Promise<number | undefined> };

/** Navigates to `from`, then clicks `selector` and waits for a URL matching `to`: the click's time. */
function click(from: string, selector: string, to: RegExp): Step['act'] {
  return async (page, url) => {
    await page.goto(`${url}${from}`);
    const started = performance.now();
    await Promise.all([page.waitForURL(to), page.click(selector)]);
    return performance.now() - started;
  };
}

const STEPS: Step[] = [
  { name: 'first render', path: '/', act: async (p, url) => void (await p.goto(`${url}/`)) },
  { name: 'search', path: '/?q=team-01-pull-robot', act: async (p, url) => void (await p.goto(`${url}/?q=team-01-pull-robot`)) },
  { name: 'filter (click a count)', path: '/?status=absent', act: click('/', 'nav.counts a.status-absent', /status=absent/) },
  { name: 'sort (latest change first)', path: '/?sort=since', act: async (p, url) => void (await p.goto(`${url}/?sort=since`)) },
  { name: 'next page', path: '/?status=failing&offset=100', act: click('/?status=failing', 'a[rel=next] >> nth=0', /offset=100/) },
];

async function fetchMs(url: string): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  const bytes = (await (await fetch(url)).arrayBuffer()).byteLength;
  return { ms: performance.now() - started, bytes };
}

export async function statusPageCase(images: number): Promise<Row[]> {
  const probe = await startProbe(['cluster', String(images)]);
  const url = `http://127.0.0.1:${probe.port}`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const rows: Row[] = [];
    for (const step of STEPS) {
      const browserTimes: number[] = [];
      const fetchTimes: number[] = [];
      let bytes = 0;
      for (let i = 0; i <= RUNS; i++) {
        const started = performance.now();
        const clicked = await step.act(page, url);
        const took = clicked ?? performance.now() - started;
        const fetched = await fetchMs(`${url}${step.path}`);
        bytes = fetched.bytes;
        // The first run of each step warms up (the interpreter's first pass over the code).
        if (i > 0) {
          browserTimes.push(took);
          fetchTimes.push(fetched.ms);
        }
      }
      const ours = percentile(browserTimes, 95);
      const baseline = percentile(fetchTimes, 95);
      log(`status page, ${step.name}: p95 ${ms(ours)} (median ${ms(median(browserTimes))}) in chromium, p95 ${ms(baseline)} fetched (${(bytes / 1024).toFixed(0)} KiB)`);
      rows.push({
        case: `9. status page ${step.name}, ${probe.units} images, chromium 1400 px, image's Node flags`,
        exporter: `p95 ${ms(ours)} to the load event over ${RUNS} (median ${ms(median(browserTimes))}; ${(bytes / 1024).toFixed(0)} KiB page)`,
        baseline: `the same URL fetched without a browser, p95 ${ms(baseline)}`,
        ratio: ours / baseline,
        target: `p95 ≤ ${ms(TARGET_MS)}`,
        pass: ours <= TARGET_MS,
      });
    }
    const rebuilds: number[] = [];
    const steady: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      steady.push((await fetchMs(`${url}/?q=team-01`)).ms);
      await probe.ask({ change: true });
      await sleep(REBUILD_SPACING_MS);
      rebuilds.push((await fetchMs(`${url}/?q=team-01`)).ms);
    }
    log(`status page after a status change: ${rebuilds.map(ms).join(', ')} (the view rebuilt); unchanged ${steady.map(ms).join(', ')}`);
    rows.push({
      case: `9. status page search after a status change (the view of all ${probe.units} images rebuilt), fetched`,
      exporter: `median ${ms(median(rebuilds))}, max ${ms(Math.max(...rebuilds))} over ${CHANGES}`,
      baseline: `the same search, nothing changed: median ${ms(median(steady))}`,
      ratio: median(rebuilds) / median(steady),
      target: '',
    });
    return rows;
  } finally {
    await browser.close();
    await stopProbe(probe);
  }
}
