// Case 9: the status page in Debian's chromium (playwright-core) with a cluster of N images
// (test/support/cluster-images.ts: long references and digests, a registry down, missing tags,
// refused and denied credentials), served by the exporter's routes in a process of their own run
// as the image runs them (bench/lib/http-probe.ts: its Node, flags and environment, so V8 without
// its optimizing compiler). What a user waits for, measured in the page: from the input event (the
// last keystroke of a search typed at 100 ms a key, a click on a status count or on "next", a
// change of the sort) to the first frame painted after the table shows the answer; p95 of 20 each,
// split into the fetch the page's script made (resource timing) and the rest (DOM, layout, paint,
// and for the search the debounce). The first render is a navigation: to the load event.
// Baseline: the same answers fetched without a browser, i.e. what the server and transfer cost.
// Then what a change costs (one image's status changes: the next request rebuilds the view of
// all images), and memory and /metrics while 10 clients page through (page-views-memory.ts).
import type { Page } from 'playwright-core';
import { launchChromium } from '../../test/support/chromium.js';
import type { Row } from '../lib/report.js';
import { log, median, ms, percentile, sleep } from '../lib/stats.js';
import { pageViewsMemoryCase } from './page-views-memory.js';
import { startProbe, stopProbe } from './scrape-load.js';

const RUNS = 20;
const TARGET_MS = 200;
const CHANGES = 5;
/** The view is rebuilt at most once per this after a change (routes.ts FRESH_MS), plus a margin. */
const REBUILD_SPACING_MS = 1100;
const SEARCH = 'team-01-pull-robot';
const KEY_DELAY_MS = 100;

type Timing = { totalMs: number; fetchMs: number; cpuMs: number };
type Step = {
  name: string;
  /** Where the step starts; the answer it waits for is at `answer` (the URL the page shows after). */
  from: string;
  answer: string;
  act(page: Page): Promise<void>;
};

const STEPS: Step[] = [
  { name: 'search (typed, from the last key)', from: '/', answer: `/?q=${SEARCH}`, act: (p) => p.locator('#q').pressSequentially(SEARCH, { delay: KEY_DELAY_MS }) },
  { name: 'filter (click a count)', from: '/', answer: '/?status=absent', act: (p) => p.click('nav.counts a.status-absent') },
  { name: 'sort (latest change first)', from: '/', answer: '/?sort=since', act: async (p) => void (await p.selectOption('#sort', 'since')) },
  { name: 'next page', from: '/?status=failing', answer: '/?status=failing&offset=100', act: (p) => p.click('a[rel=next] >> nth=0') },
];

/**
 * Arms the page: the time of the latest input event (keydown, click, change), and a promise of
 * the time the first frame was painted after the page's URL became `answer` (the script sets it
 * once the answer is in the table).
 */
async function arm(page: Page, answer: string): Promise<void> {
  await page.evaluate((answer) => {
    const w = window as unknown as { inputAt: number; shown: Promise<number> };
    for (const type of ['keydown', 'click', 'change']) addEventListener(type, (event) => (w.inputAt = event.timeStamp), { capture: true });
    w.shown = new Promise((resolve) => {
      const observer = new MutationObserver(() => {
        if (location.pathname + location.search !== answer) return;
        observer.disconnect();
        // rAF runs before the frame is painted; a task queued from it runs after.
        requestAnimationFrame(() => setTimeout(() => resolve(performance.now())));
      });
      observer.observe(document.body, { childList: true });
    });
  }, answer);
}

async function measured(page: Page): Promise<Omit<Timing, 'cpuMs'>> {
  return page.evaluate(async () => {
    const w = window as unknown as { inputAt: number; shown: Promise<number> };
    const shownAt = await w.shown;
    const fetches = performance.getEntriesByType('resource').filter((entry) => entry.name.includes('part=results')) as PerformanceResourceTiming[];
    const last = fetches.at(-1);
    return { totalMs: shownAt - w.inputAt, fetchMs: last ? last.responseEnd - last.startTime : NaN };
  });
}

async function fetchMs(url: string): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  const bytes = (await (await fetch(url)).arrayBuffer()).byteLength;
  return { ms: performance.now() - started, bytes };
}

function withPart(path: string): string {
  return `${path}${path.includes('?') ? '&' : '?'}part=results`;
}

export async function statusPageCase(images: number): Promise<Row[]> {
  const probe = await startProbe(['cluster', String(images)]);
  const url = `http://127.0.0.1:${probe.port}`;
  const browser = await launchChromium();
  const rows: Row[] = [];
  try {
    // CPU time of all of chromium's processes: what an action costs the browser, whatever else the machine runs.
    const cdp = await browser.newBrowserCDPSession();
    const cpuMs = async () => ((await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: Array<{ cpuTime: number }> }).processInfo.reduce((sum, p) => sum + p.cpuTime * 1000, 0);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const firstRender: number[] = [];
    const firstFetched: number[] = [];
    const firstCpu: number[] = [];
    let firstBytes = 0;
    for (let i = 0; i <= RUNS; i++) {
      const cpuBefore = await cpuMs();
      const started = performance.now();
      await page.goto(`${url}/`);
      const took = performance.now() - started;
      const cpu = (await cpuMs()) - cpuBefore;
      const fetched = await fetchMs(`${url}/`);
      firstBytes = fetched.bytes;
      // The first run of each step warms up (the interpreter's first pass over the code).
      if (i > 0) firstRender.push(took), firstFetched.push(fetched.ms), firstCpu.push(cpu);
    }
    log(`status page, first render: p95 ${ms(percentile(firstRender, 95))} (median ${ms(median(firstRender))}) to the load event, chromium CPU p50 ${ms(median(firstCpu))}, p95 ${ms(percentile(firstFetched, 95))} fetched (${(firstBytes / 1024).toFixed(0)} KiB)`);
    rows.push({
      case: `9. status page first render, ${probe.units} images, chromium 1400 px, image's Node flags`,
      exporter: `p95 ${ms(percentile(firstRender, 95))} navigation to the load event over ${RUNS} (median ${ms(median(firstRender))}; chromium CPU p50 ${ms(median(firstCpu))}; ${(firstBytes / 1024).toFixed(0)} KiB page)`,
      baseline: `the same URL fetched without a browser, p95 ${ms(percentile(firstFetched, 95))}`,
      ratio: percentile(firstRender, 95) / percentile(firstFetched, 95),
      target: `p95 ≤ ${ms(TARGET_MS)}`,
      pass: percentile(firstRender, 95) <= TARGET_MS,
    });
    for (const step of STEPS) {
      const timings: Timing[] = [];
      const fetchTimes: number[] = [];
      let bytes = 0;
      for (let i = 0; i <= RUNS; i++) {
        await page.goto(`${url}${step.from}`);
        await arm(page, step.answer);
        const cpuBefore = await cpuMs();
        await step.act(page);
        const timing = { ...(await measured(page)), cpuMs: (await cpuMs()) - cpuBefore };
        const fetched = await fetchMs(`${url}${withPart(step.answer)}`);
        bytes = fetched.bytes;
        if (i > 0) timings.push(timing), fetchTimes.push(fetched.ms);
      }
      const totals = timings.map((t) => t.totalMs);
      const ours = percentile(totals, 95);
      const baseline = percentile(fetchTimes, 95);
      const inBrowser = `fetch in the page p50 ${ms(median(timings.map((t) => t.fetchMs)))}, p95 ${ms(percentile(timings.map((t) => t.fetchMs), 95))}; chromium CPU p50 ${ms(median(timings.map((t) => t.cpuMs)))}`;
      log(`status page, ${step.name}: p95 ${ms(ours)} (median ${ms(median(totals))}) input to painted in chromium, ${inBrowser}; p95 ${ms(baseline)} fetched (${(bytes / 1024).toFixed(0)} KiB)`);
      rows.push({
        case: `9. status page ${step.name}, ${probe.units} images, chromium 1400 px, image's Node flags`,
        exporter: `p95 ${ms(ours)} input to painted over ${RUNS} (median ${ms(median(totals))}; ${inBrowser}; ${(bytes / 1024).toFixed(0)} KiB answer)`,
        baseline: `the same answer fetched without a browser, p95 ${ms(baseline)}`,
        ratio: ours / baseline,
        target: `p95 ≤ ${ms(TARGET_MS)}`,
        pass: ours <= TARGET_MS,
      });
    }
    await page.close();
    const rebuilds: number[] = [];
    const steady: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      steady.push((await fetchMs(`${url}/?q=team-01&part=results`)).ms);
      await probe.ask({ change: true });
      await sleep(REBUILD_SPACING_MS);
      rebuilds.push((await fetchMs(`${url}/?q=team-01&part=results`)).ms);
    }
    log(`status page after a status change: ${rebuilds.map(ms).join(', ')} (the view rebuilt); unchanged ${steady.map(ms).join(', ')}`);
    rows.push({
      case: `9. status page search after a status change (the view of all ${probe.units} images rebuilt), fetched`,
      exporter: `median ${ms(median(rebuilds))}, max ${ms(Math.max(...rebuilds))} over ${CHANGES}`,
      baseline: `the same search, nothing changed: median ${ms(median(steady))}`,
      ratio: median(rebuilds) / median(steady),
      target: '',
    });
  } finally {
    await browser.close();
    await stopProbe(probe);
  }
  rows.push(...(await pageViewsMemoryCase(images)));
  return rows;
}
