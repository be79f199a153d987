// The status page with a realistic cluster of 5 000 images in Debian's chromium (playwright-core):
// the layout holds at 1 400 and 900 px with long references, digests and reasons, for every status
// (nothing spills out of its cell, no status name breaks mid-word, nothing is cut without an
// ellipsis); filters, search, sort and paging work without the script; hostile text from workloads
// stays inert. Screenshots of both widths are written next to this file (shown in docs/status-page.md).
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { STATUSES } from '../../src/status.js';
import { clusterImages } from '../support/cluster-images.js';
import { openStatusPageBed, type StatusPageBed } from '../support/status-page-bed.js';
import { repoRoot } from '../support/tools.js';

const IMAGES = 5000;
/** A reference cell must show at least this many characters of a reference at either width. */
const MIN_REFERENCE_CHARS = 24;
const HOSTILE = `"><img src=x onerror="window.injected=1"><script>window.injected=1</script>`;

describe('status page at scale', () => {
  let browser: Browser;
  let bed: StatusPageBed;
  let url: string;

  beforeAll(async () => {
    const { index, results } = clusterImages(IMAGES, [
      { namespace: 'evil', name: 'x', image: `registry.example.com/evil/app:v1` },
    ]);
    // Hostile strings where a workload author controls them: namespace/name/container are
    // API-validated in a real cluster, the image string is not, and reasons echo registry text.
    index.upsertWorkload({ kind: 'deployment', namespace: 'evil', name: 'hostile', podSpec: { containers: [{ name: 'c', image: `registry.example.com/${HOSTILE}` }] } });
    results.set('registry.example.com/evil/app:v1', { status: 'unknown_error', message: `registry said ${HOSTILE}`, registry: 'registry.example.com', checkedAt: Date.now(), durationMs: 5, consecutiveFailures: 1 });
    bed = await openStatusPageBed({ index, results });
    ({ url, browser } = bed);
  }, 60_000);

  afterAll(() => bed?.close());

  async function layout(page: Page) {
    return page.evaluate(() => {
      const probe = document.createElement('span');
      probe.className = 'ref';
      probe.textContent = 'x'.repeat(100);
      probe.style.display = 'inline-block';
      document.body.appendChild(probe);
      const charWidth = probe.getBoundingClientRect().width / 100;
      probe.remove();
      const cells = [...document.querySelectorAll('td.image')].map((cell) => cell.getBoundingClientRect().width);
      return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, narrowestChars: Math.min(...cells) / charWidth, rows: cells.length };
    });
  }

  /**
   * What a reader would see go wrong in the tables, every folded part opened: a box or text that
   * spills out of its cell over the next one; a status name broken other than after an underscore;
   * a clipped box whose cut shows no ellipsis (or is too narrow to show one).
   */
  async function layoutFaults(page: Page): Promise<string[]> {
    await page.evaluate(() => document.querySelectorAll('details').forEach((details) => (details.open = true)));
    return page.evaluate((statuses) => {
      const faults: string[] = [];
      const clips = (element: Element) => ['hidden', 'clip'].includes(getComputedStyle(element).overflowX);
      const clippedWithin = (node: Node, cell: Element) => {
        for (let e = node.parentElement; e && e !== cell; e = e.parentElement) if (clips(e)) return true;
        return false;
      };
      for (const cell of document.querySelectorAll('table td')) {
        const box = cell.getBoundingClientRect();
        const where = `${cell.closest('table')!.className} row ${(cell.parentElement as HTMLTableRowElement).rowIndex} column ${(cell as HTMLTableCellElement).cellIndex + 1}`;
        const texts: Array<{ node: Text; start: number }> = [];
        let joined = '';
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          if (node instanceof Text) {
            texts.push({ node, start: joined.length });
            joined += node.data;
          }
          if (node instanceof Element && clips(node) && node.scrollWidth > node.clientWidth + 1) {
            const style = getComputedStyle(node);
            if (style.textOverflow !== 'ellipsis' || node.clientWidth < parseFloat(style.fontSize) / 2) {
              faults.push(`${where}: "${(node.textContent ?? '').slice(0, 40)}" is cut at ${node.clientWidth} of ${node.scrollWidth} px without an ellipsis`);
            }
          }
          if (clippedWithin(node, cell)) continue;
          const range = document.createRange();
          range.selectNodeContents(node);
          const rects = node instanceof Element ? [node.getBoundingClientRect()] : [...range.getClientRects()];
          for (const rect of rects) {
            if (rect.width > 0 && (rect.left < box.left - 0.5 || rect.right > box.right + 0.5)) {
              faults.push(`${where}: "${(node.textContent ?? '').slice(0, 40)}" spills out of its cell (${Math.round(rect.left)}–${Math.round(rect.right)} in ${Math.round(box.left)}–${Math.round(box.right)})`);
            }
          }
        }
        // A status name may break only after an underscore, never inside a word.
        const charTop = (offset: number) => {
          const at = texts.filter((t) => t.start <= offset).at(-1)!;
          const range = document.createRange();
          range.setStart(at.node, offset - at.start);
          range.setEnd(at.node, offset - at.start + 1);
          return range.getBoundingClientRect();
        };
        for (const status of statuses) {
          for (let found = joined.indexOf(status); found >= 0; found = joined.indexOf(status, found + 1)) {
            if (/\w/.test(joined[found - 1] ?? '') || /\w/.test(joined[found + status.length] ?? '')) continue;
            for (let i = 1; i < status.length; i++) {
              const before = charTop(found + i - 1);
              const after = charTop(found + i);
              if (before.height === 0 || after.height === 0) continue;
              if (after.top > before.top + before.height / 2 && status[i - 1] !== '_') faults.push(`${where}: ${status} breaks between "${status.slice(0, i)}" and "${status.slice(i)}"`);
            }
          }
        }
      }
      return faults;
    }, [...STATUSES, 'pending']);
  }

  test.each([1400, 900])('at %i px, for every status: nothing spills over a neighbouring cell, no status name breaks mid-word, no cut without an ellipsis', async (width) => {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const faults: string[] = [];
    for (const status of [...STATUSES, 'pending']) {
      await page.goto(`${url}/?status=${status}&limit=30`);
      expect(await page.locator(`table.images tbody tr.status-${status}`).count()).toBeGreaterThan(0);
      faults.push(...(await layoutFaults(page)).map((fault) => `${status} page, ${fault}`));
    }
    await page.close();
    expect(faults).toEqual([]);
  }, 120_000);

  test.each([1400, 900])('at %i px: no horizontal overflow, no reference cell narrower than 24 characters, screenshot', async (width) => {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const external: string[] = [];
    page.on('request', (request) => !request.url().startsWith(url) && external.push(request.url()));
    await page.goto(`${url}/`);
    const figures = await layout(page);
    expect(figures.rows).toBe(100);
    expect(figures.scrollWidth).toBeLessThanOrEqual(figures.innerWidth);
    expect(figures.narrowestChars).toBeGreaterThanOrEqual(MIN_REFERENCE_CHARS);
    expect(external).toEqual([]);
    expect(await page.locator('table.registries').innerText()).toContain('127.0.0.1:21002');
    // Failing first: the first row is not available.
    expect(await page.locator('table.images tbody tr').first().getAttribute('class')).not.toBe('status-available');
    await page.screenshot({ path: join(repoRoot, 'test', 'browser', `status-page-${width}.png`) });
    await page.close();
  }, 60_000);

  test('a shortened reference keeps the full value for hover and copy', async () => {
    const page = await browser.newPage({ viewport: { width: 900, height: 900 } });
    await page.goto(`${url}/?q=opentelemetry-collector-contrib-77%40`);
    const ref = page.locator('td.image .ref').first();
    const full = await ref.getAttribute('title');
    expect(full).toMatch(/opentelemetry-collector-contrib-77@sha256:[0-9a-f]{64}$/);
    expect(await ref.textContent()).toBe(full);
    const clipped = await ref.locator('.head').evaluate((head) => head.scrollWidth > head.clientWidth);
    expect(clipped).toBe(true);
    await page.close();
  });

  test('counts are filters, search, sort and paging work without the script', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${url}/`);
    await page.click('nav.counts a.status-registry_unavailable');
    await page.waitForURL(/status=registry_unavailable/);
    expect(await page.locator('table.images tbody tr.status-registry_unavailable').count()).toBe(100);
    expect(await page.locator('table.images tbody tr:not(.status-registry_unavailable)').count()).toBe(0);
    expect(await page.locator('table.images tbody').innerText()).toContain('check that the registry runs and listens on that port');
    await page.fill('#q', 'team-01-pull-robot');
    await page.selectOption('#status', '');
    await page.click('button[type=submit]');
    await page.waitForURL(/q=team-01-pull-robot/);
    const rows = page.locator('table.images tbody tr');
    expect(await rows.count()).toBeGreaterThan(0);
    // The text, not innerText: rows below the screen are not rendered until scrolled to (content-visibility), and innerText is the rendered text.
    for (const text of await rows.allTextContents()) expect(text).toContain('team-01-pull-robot');
    await page.goto(`${url}/?status=failing`);
    const pager = await page.locator('.pager').first().innerText();
    expect(pager).toMatch(/^1–100 of \d+/);
    await page.click('a[rel=next] >> nth=0');
    await page.waitForURL(/offset=100/);
    expect(await page.locator('.pager').first().innerText()).toMatch(/^101–200 of/);
    await page.goto(`${url}/?sort=registry`);
    const registries = await page.locator('td.image .sub').allTextContents();
    expect(registries).toEqual([...registries].sort((a, b) => a.localeCompare(b)));
    await context.close();
  }, 60_000);

  test('per image: since when, last available, last changes, workloads, secrets, what to do; per registry: latency, last error', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${url}/?status=absent&limit=1`);
    const row = await page.locator('table.images tbody tr').first().innerText();
    expect(row).toMatch(/absent since \d+ (s|min) ago/);
    expect(row).toMatch(/last available \d+ h ago/);
    expect(row).toContain('push the tag, or fix the tag in the workload');
    const registries = await page.locator('table.registries tbody tr').allInnerTexts();
    const quay = registries.find((text) => text.includes('quay.io'));
    expect(quay).toMatch(/ms/);
    expect(quay).toContain('ECONNREFUSED');
    await page.close();
  });

  test('HTML and script in an image reference or a registry reason stay inert text', async () => {
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => (dialogs.push(dialog.message()), void dialog.dismiss()));
    await page.goto(`${url}/?namespace=evil`);
    const text = await page.locator('table.images tbody').innerText();
    expect(text).toContain('<script>window.injected=1</script>');
    expect(await page.evaluate(() => (window as { injected?: number }).injected)).toBeUndefined();
    expect(await page.locator('tbody script, tbody img').count()).toBe(0);
    expect(dialogs).toEqual([]);
    const response = await fetch(`${url}/`);
    expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
    await page.close();
  });
});
