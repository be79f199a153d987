// The status page's script in Debian's chromium (playwright-core): a search as one types, a click
// on a count or on "next", a change of the sort show their answer in place, from the results part
// of the page (part=results), without loading a new document; the address follows, so back and
// reload show the same; only the latest request's answer is ever shown.
import type { Browser, Page, Route } from 'playwright-core';
import { clusterImages } from '../support/cluster-images.js';
import { openStatusPageBed, type StatusPageBed } from '../support/status-page-bed.js';

describe('status page script', () => {
  let browser: Browser;
  let bed: StatusPageBed;
  let url: string;

  beforeAll(async () => {
    const { index, results } = clusterImages(1000);
    bed = await openStatusPageBed({ index, results });
    ({ url, browser } = bed);
  }, 60_000);

  afterAll(() => bed?.close());

  /** A page whose document is marked: the mark is gone if a new document was loaded. */
  async function markedPage(path: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${url}${path}`);
    await page.evaluate(() => ((window as { mark?: number }).mark = 1));
    return page;
  }

  const sameDocument = (page: Page) => page.evaluate(() => (window as { mark?: number }).mark === 1);
  /** Until every row of the answer is in: those below the screen follow once the first ones are painted. */
  const allRows = (page: Page) => page.waitForSelector('#results:not([aria-busy])');
  const rowTexts = async (page: Page) => {
    await allRows(page);
    return page.locator('table.images tbody tr').allTextContents();
  };
  /** The images in the table, in order ("… ago" changes between two looks). */
  const imagesShown = async (page: Page) => {
    await allRows(page);
    return page.locator('td.image .ref:first-child').evaluateAll((refs) => refs.map((ref) => ref.getAttribute('title')!));
  };

  test('the answer to part=results is the counts and one page of rows, nothing else; the page may fetch it', async () => {
    const response = await fetch(`${url}/?status=absent&part=results`);
    const text = await response.text();
    expect(text).toMatch(/^<nav class="counts"[^]*<\/nav>\n<div id="results">[^]*<\/div>\n$/);
    expect(text).toContain('<a href="/?status=absent" class="status-absent" aria-current="true">');
    expect(text).not.toContain('<html');
    expect(text).not.toContain('table class="registries"');
    expect(text).not.toContain('part=results');
    expect(response.headers.get('content-security-policy')).toContain("connect-src 'self'");
  });

  test('a search shows its answer as one types, in the same document; the address keeps it for reload', async () => {
    const page = await markedPage('/');
    await page.locator('#q').pressSequentially('team-01-pull-robot', { delay: 30 });
    await page.waitForURL(`${url}/?q=team-01-pull-robot`);
    const rows = await rowTexts(page);
    expect(rows.length).toBeGreaterThan(0);
    for (const text of rows) expect(text).toContain('team-01-pull-robot');
    const images = await imagesShown(page);
    expect(await page.locator('#json').getAttribute('href')).toBe('/api/images?q=team-01-pull-robot');
    expect(await sameDocument(page)).toBe(true);
    await page.reload();
    expect(await page.locator('#q').inputValue()).toBe('team-01-pull-robot');
    expect(await imagesShown(page)).toEqual(images);
    await page.close();
  });

  test('a count, the sort and back: answered in place, the form follows the address', async () => {
    const page = await markedPage('/');
    const everything = await imagesShown(page);
    await page.click('nav.counts a.status-absent');
    await page.waitForURL(`${url}/?status=absent`);
    expect(await page.locator('table.images tbody tr:not(.status-absent)').count()).toBe(0);
    expect(await page.locator('table.images tbody tr.status-absent').count()).toBeGreaterThan(0);
    expect(await page.locator('#status').inputValue()).toBe('absent');
    expect(await page.locator('nav.counts a[aria-current]').getAttribute('class')).toBe('status-absent');
    await page.selectOption('#sort', 'image');
    await page.waitForURL(`${url}/?status=absent&sort=image`);
    const images = await imagesShown(page);
    expect(images).toEqual([...images].sort((a, b) => a.localeCompare(b)));
    await page.goBack();
    await page.goBack();
    await page.waitForURL(`${url}/`);
    await page.waitForFunction(() => !document.querySelector('nav.counts a[aria-current]')?.classList.contains('status-absent'));
    expect(await imagesShown(page)).toEqual(everything);
    expect(await page.locator('#status').inputValue()).toBe('');
    expect(await page.locator('#sort').inputValue()).toBe('status');
    expect(await sameDocument(page)).toBe(true);
    await page.close();
  });

  test('"next" under the table shows the next rows from their top, in place', async () => {
    const page = await markedPage('/?status=failing');
    await page.locator('a[rel=next]').nth(1).click();
    await page.waitForURL(`${url}/?status=failing&offset=100`);
    expect(await page.locator('.pager').first().innerText()).toMatch(/^101–200 of \d+/);
    expect(await page.locator('table.images tbody tr').count()).toBeGreaterThan(0);
    await allRows(page);
    expect(await page.locator('table.images tbody tr').count()).toBe(100);
    expect(await page.locator('table.images').evaluate((table) => Math.round(table.getBoundingClientRect().top))).toBeGreaterThanOrEqual(0);
    expect(await sameDocument(page)).toBe(true);
    await page.close();
  });

  test('a stale reply does not overwrite a newer one: the answer to earlier text comes last and is dropped', async () => {
    const page = await markedPage('/');
    let releaseStale!: () => void;
    const staleHeld = new Promise<void>((resolve) => (releaseStale = resolve));
    const staleAsked = new Promise<void>((resolve) =>
      page.route(/[?&]q=quay\.io&part=results/, async (route: Route) => {
        resolve();
        await staleHeld;
        await route.continue().catch(() => {});
      }),
    );
    await page.fill('#q', 'quay.io');
    await staleAsked;
    await page.fill('#q', 'ghcr.io');
    await page.waitForURL(`${url}/?q=ghcr.io`);
    const newer = await imagesShown(page);
    releaseStale();
    // Longer than the stale reply takes to arrive and be shown, had it not been dropped.
    await page.waitForTimeout(1000);
    expect(await imagesShown(page)).toEqual(newer);
    for (const image of newer) expect(image).toContain('ghcr.io');
    expect(page.url()).toBe(`${url}/?q=ghcr.io`);
    await page.close();
  });

  test('when the answer cannot be had in place, the whole page is loaded: it says why and what to do', async () => {
    const page = await markedPage('/');
    await page.route(/part=results/, (route) => route.fulfill({ status: 503, contentType: 'text/plain', body: 'busy' }));
    await page.click('nav.counts a.status-absent');
    await page.waitForURL(`${url}/?status=absent`);
    await page.waitForFunction(() => (window as { mark?: number }).mark === undefined);
    expect(await page.locator('table.images tbody tr:not(.status-absent)').count()).toBe(0);
    await page.close();
  });
});
