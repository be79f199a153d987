// The page at `/`: counts by status as filters, a search, one page of images (failing first) with
// since when, what happened and what to do, and the registries. Rendered on the server, readable
// without the script; long references and digests are shortened in the middle on screen only (the
// full value is in the text, the tooltip and what a copy takes). Everything interpolated is
// HTML-escaped; no secret value is ever known here.
import { STATUSES } from '../status.js';
import { queryString, type ImageQuery } from './image-query.js';
import { MAX_TAIL } from './status-assets.js';
import type { RegistryReport, ReportPage } from './image-report.js';
import type { ImageView } from './image-view.js';

/** Workloads shown per image before the rest fold into "N more". */
const WORKLOADS_OPEN = 3;

/** `notices`: what keeps the list from being the whole picture (the API server unreachable, filters that leave few images), said first. */
export function renderStatusPage(
  view: ImageView,
  registries: RegistryReport[],
  page: ReportPage,
  query: ImageQuery,
  version: string,
  notices: readonly string[] = [],
  now = Date.now(),
): string {
  const option = (value: string, selected: string | undefined, label = value) =>
    `<option value="${escapeHtml(value)}"${value === (selected ?? '') ? ' selected' : ''}>${escapeHtml(label)}</option>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Image availability</title>
<link rel="stylesheet" href="/status.css">
<script src="/status.js" defer></script>
</head>
<body>
<header>
  <h1>Image availability</h1>
  <p>k8s-image-availability-exporter ${escapeHtml(version)} · ${view.entries.length} images in ${registries.length} registries · <a href="/metrics">/metrics</a> · <a href="/api/images${escapeHtml(queryString(query))}" id="json">JSON</a> · <a href="#registries">registries</a></p>
</header>
${notices.length ? `<section class="notices" role="alert">\n${notices.map((notice) => `<p>${escapeHtml(notice)}</p>`).join('\n')}\n</section>\n` : ''}${countLinks(view, query)}
<form method="get" action="/" class="filters">
  <label>Search image, workload, namespace, registry, secret<input type="search" name="q" id="q" value="${escapeHtml(query.q ?? '')}" maxlength="200"></label>
  <label>Status<select name="status" id="status">${option('', query.status, 'all')}${option('failing', query.status)}${[...STATUSES, 'pending'].map((s) => option(s, query.status)).join('')}</select></label>
  <label>Namespace<select name="namespace" id="namespace">${option('', query.namespace, 'all')}${view.namespaces.map((n) => option(n, query.namespace)).join('')}</select></label>
  <label>Sort<select name="sort" id="sort">${option('status', query.sort, 'failing first')}${option('since', query.sort, 'latest change first')}${option('registry', query.sort)}${option('image', query.sort)}</select></label>
  <button type="submit">Show</button>
</form>
${results(page, query, now)}
<h2 id="registries">Registries</h2>
<table class="registries">
<colgroup><col class="registry"><col class="num"><col class="num"><col class="num"><col class="num"><col class="error"><col class="paused"></colgroup>
<thead><tr><th>Registry</th><th>Images</th><th>Failing</th><th>p50 check</th><th>p99 check</th><th>Last error</th><th>Paused (429) until</th></tr></thead>
<tbody>
${registries.map(registryRow).join('\n')}
</tbody>
</table>
</body>
</html>
`;
}

/**
 * What a search, a filter, a sort or another page changes, and nothing else: the counts (their
 * links carry the other filters, the current one is marked) and the images with their pagers. The
 * page's script asks for it (`part=results`) and puts it in place of the same two elements.
 */
export function renderResults(view: ImageView, page: ReportPage, query: ImageQuery, now = Date.now()): string {
  return `${countLinks(view, query)}\n${results(page, query, now)}\n`;
}

function countLinks(view: ImageView, query: ImageQuery): string {
  const { counts, failing } = view;
  const countLink = (status: string | undefined, label: string, count: number, className: string) =>
    `<a href="/${escapeHtml(queryString({ ...query, status, offset: 0 }))}" class="${className}"${query.status === status ? ' aria-current="true"' : ''}>${escapeHtml(label)} ${count}</a>`;
  return `<nav class="counts" aria-label="Images by status">
${countLink(undefined, 'all', view.entries.length, '')}
${countLink('failing', 'failing', failing, 'failing')}
${[...STATUSES, 'pending' as const].filter((s) => counts.has(s)).map((s) => countLink(s, s, counts.get(s)!, `status-${s}`)).join('\n')}
</nav>`;
}

function results(page: ReportPage, query: ImageQuery, now: number): string {
  const platformColumn = page.images.some((report) => report.missingPlatforms !== undefined);
  return `<div id="results">
${pager(page, query)}
<table class="images">
<colgroup><col class="status"><col class="image"><col class="used"><col class="checked"><col class="reason">${platformColumn ? '<col class="checked">' : ''}</colgroup>
<thead><tr><th>Status</th><th>Image · registry · digest</th><th>Used by</th><th>Checked</th><th>Reason · what to do</th>${platformColumn ? '<th>Platforms</th>' : ''}</tr></thead>
<tbody>
${page.images.map((report) => row(report, platformColumn, now)).join('\n') || `<tr><td colspan="5">No images match.</td></tr>`}
</tbody>
</table>
${pager(page, query)}
</div>`;
}

function row(report: ReportPage['images'][number], platformColumn: boolean, now: number): string {
  const workloads = report.workloads.map((w) => `<li>${escapeHtml(`${w.kind} ${w.namespace}/${w.name}`)} <span class="sub">(${escapeHtml(w.container)})</span></li>`);
  const more = report.workloadCount - WORKLOADS_OPEN;
  const used =
    `<ul>${workloads.slice(0, WORKLOADS_OPEN).join('')}</ul>` +
    (more > 0 ? `<details><summary>${more} more</summary><ul>${workloads.slice(WORKLOADS_OPEN).join('')}</ul>${report.workloadCount > report.workloads.length ? `<span class="sub">and ${report.workloadCount - report.workloads.length} not listed</span>` : ''}</details>` : '');
  const history = report.changes.length
    ? `<details><summary>last changes</summary><ol>${report.changes.map((c) => `<li>${statusName(c.status)} ${time(c.at, now)}</li>`).join('')}</ol></details>`
    : '';
  const checked = report.lastCheck
    ? `${time(report.lastCheck, now)}${report.since ? `<div class="sub">${statusName(report.status)} since ${time(report.since, now)}</div>` : ''}${report.status !== 'available' && report.lastAvailable ? `<div class="sub">last available ${time(report.lastAvailable, now)}</div>` : ''}${history}`
    : `<span class="sub">${report.status === 'bad_image_format' ? 'not sent: the reference cannot be parsed' : 'not yet'}</span>`;
  const reason =
    (report.reason ? `<div>${escapeHtml(report.reason)}</div>` : '') +
    (report.todo ? `<p class="todo">${escapeHtml(report.todo)}</p>` : '') +
    (report.pullSecrets.length ? `<div class="sub">pull secrets: ${escapeHtml(report.pullSecrets.join(', '))}</div>` : '') +
    admissionWarnings(report, now);
  return `<tr class="status-${escapeHtml(report.status)}">
  <td><span class="badge">${statusName(report.status)}</span></td>
  <td class="image">${shortened(report.image)}<div class="sub">${escapeHtml(report.registry)}</div>${report.digest ? shortened(report.digest) : ''}</td>
  <td>${used}</td>
  <td>${checked}</td>
  <td class="reason">${reason}</td>${platformColumn ? `\n  <td>${report.missingPlatforms?.length ? `missing ${escapeHtml(report.missingPlatforms.join(', '))}` : ''}</td>` : ''}
</tr>`;
}

/** What the admission webhook told people applying objects with this image, latest first. */
function admissionWarnings(report: ReportPage['images'][number], now: number): string {
  const given = report.admissionWarnings;
  if (!given?.length) return '';
  const items = [...given].reverse().map((w) => {
    const how = [w.operation, w.dryRun ? 'dry run' : '', w.denied ? 'refused' : 'admitted'].filter(Boolean).join(', ');
    return `<li>${time(w.at, now)} ${escapeHtml(w.object)} <span class="sub">(${escapeHtml(how)})</span>: ${escapeHtml(w.warning)}</li>`;
  });
  return `<details class="admission"><summary>${given.length} admission warning${given.length > 1 ? 's' : ''}, last ${time(given.at(-1)!.at, now)}</summary><ol>${items.join('')}</ol></details>`;
}

function registryRow(registry: RegistryReport): string {
  const msText = (value: number | undefined) => (value === undefined ? '' : value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${value} ms`);
  return `<tr>
  <td>${shortened(registry.registry)}</td><td>${registry.images}</td><td>${registry.failing}</td><td>${msText(registry.p50Ms)}</td><td>${msText(registry.p99Ms)}</td>
  <td>${registry.lastError ? `${escapeHtml(registry.lastError)}${registry.lastErrorAt ? ` <span class="sub">(${escapeHtml(shortTime(registry.lastErrorAt))})</span>` : ''}` : ''}</td>
  <td>${registry.pausedUntil ? escapeHtml(shortTime(registry.pausedUntil)) : ''}</td>
</tr>`;
}

/** A status name that may wrap after its underscores and nowhere else (registry_v1_api_not_supported is wider than the column). */
function statusName(status: string): string {
  return `<span class="status-name">${escapeHtml(status).replaceAll('_', '_<wbr>')}</span>`;
}

/** The full value in the text (so a copy takes it) and the tooltip; CSS elides the middle. */
function shortened(value: string): string {
  const tail = Math.min(MAX_TAIL, Math.floor(value.length / 2));
  return `<span class="ref tail-${tail}" title="${escapeHtml(value)}"><span class="head">${escapeHtml(value.slice(0, value.length - tail))}</span><span class="tail">${escapeHtml(value.slice(value.length - tail))}</span></span>`;
}

function time(isoTime: string, now: number): string {
  return `<time datetime="${escapeHtml(isoTime)}" title="${escapeHtml(isoTime)}">${escapeHtml(ago(now - Date.parse(isoTime)))}</time>`;
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

function shortTime(isoTime: string): string {
  return isoTime.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function pager(page: ReportPage, query: ImageQuery): string {
  const last = Math.min(page.offset + page.images.length, page.total);
  const link = (offset: number, label: string, rel: string) => `<a href="/${escapeHtml(queryString({ ...query, offset }))}" rel="${rel}">${label}</a>`;
  const previous = page.offset > 0 ? link(Math.max(0, page.offset - page.limit), '← previous', 'prev') : '';
  const next = last < page.total ? link(page.offset + page.limit, 'next →', 'next') : '';
  return `<p class="pager"><span>${page.total ? `${page.offset + 1}–${last} of ${page.total}` : '0 of 0'}</span> ${previous} ${next}</p>`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}
