// The page at `/`: images by status, the workloads using each, and why, rendered on the server
// (no front-end build). Everything interpolated is HTML-escaped; no secret value is ever known here.
import { STATUSES } from '../status.js';
import { queryString, type ImageQuery } from './image-query.js';
import type { ImageReport, ReportPage } from './image-report.js';

export function renderStatusPage(all: readonly ImageReport[], page: ReportPage, filter: ImageQuery, namespaces: string[], version: string): string {
  const counts = new Map<string, number>();
  for (const report of all) counts.set(report.status, (counts.get(report.status) ?? 0) + 1);
  const reports = page.images;
  const option = (value: string, selected: string | undefined, label = value) =>
    `<option value="${escapeHtml(value)}"${value === (selected ?? '') ? ' selected' : ''}>${escapeHtml(label)}</option>`;
  // The column appears once platforms are checked, i.e. some report knows what it lacks.
  const platformColumn = reports.some((report) => report.missingPlatforms !== undefined);
  const rows = reports
    .map(
      (report) => `<tr class="status-${escapeHtml(report.status)}">
  <td><span class="badge">${escapeHtml(report.status)}</span></td>
  <td class="image">${escapeHtml(report.image)}</td>
  <td>${escapeHtml(report.registry)}</td>
  <td><ul>${report.workloads.map((w) => `<li>${escapeHtml(`${w.kind} ${w.namespace}/${w.name}`)} <small>(${escapeHtml(w.container)})</small></li>`).join('')}</ul></td>
  <td>${report.lastCheck ? `<time datetime="${escapeHtml(report.lastCheck)}">${escapeHtml(report.lastCheck.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))}</time>` : ''}</td>
  <td class="reason">${escapeHtml(report.reason)}${report.pullSecrets.length ? `<br><small>pull secrets: ${escapeHtml(report.pullSecrets.join(', '))}</small>` : ''}</td>${platformColumn ? `\n  <td class="platforms">${report.missingPlatforms?.length ? `missing ${escapeHtml(report.missingPlatforms.join(', '))}` : ''}</td>` : ''}
</tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Image availability</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d1d1f; }
  h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
  header p { margin: 0 0 1rem; color: #555; }
  form { display: flex; gap: .75rem; align-items: end; margin-bottom: 1rem; }
  label { display: flex; flex-direction: column; font-size: .8rem; color: #555; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; vertical-align: top; padding: .4rem .6rem; border-bottom: 1px solid #e3e3e3; }
  th { background: #f6f6f6; font-weight: 600; }
  td.image { font-family: ui-monospace, monospace; word-break: break-all; }
  td ul { margin: 0; padding-left: 1rem; }
  .badge { display: inline-block; padding: .1rem .45rem; border-radius: .6rem; font-size: .8rem; background: #eee; white-space: nowrap; }
  .status-available .badge { background: #d9f2dd; color: #0b5d1e; }
  .status-absent .badge, .status-bad_image_format .badge { background: #fbdada; color: #8a1010; }
  .status-pending .badge { background: #eef; color: #334; }
  tr:not(.status-available):not(.status-absent):not(.status-bad_image_format):not(.status-pending) .badge { background: #fff0c7; color: #6b4e00; }
  .summary span { margin-right: 1rem; }
</style>
</head>
<body>
<header>
  <h1>Image availability</h1>
  <p>k8s-image-availability-exporter ${escapeHtml(version)} · <a href="/metrics">/metrics</a> · <a href="/api/images${query(filter)}">JSON</a></p>
</header>
<form method="get" action="/">
  <label>Status<select name="status" id="status">${option('', filter.status, 'all')}${[...STATUSES, 'pending'].map((s) => option(s, filter.status)).join('')}</select></label>
  <label>Namespace<select name="namespace" id="namespace">${option('', filter.namespace, 'all')}${namespaces.map((n) => option(n, filter.namespace)).join('')}</select></label>
  <button type="submit">Filter</button>
</form>
<p class="summary">${all.length} images${[...counts.entries()].map(([status, count]) => ` · <span>${escapeHtml(status)}: ${count}</span>`).join('')}</p>
<table>
<thead><tr><th>Status</th><th>Image</th><th>Registry</th><th>Used by</th><th>Last check</th><th>Reason</th>${platformColumn ? '<th>Platforms</th>' : ''}</tr></thead>
<tbody>
${rows || '<tr><td colspan="6">No images match.</td></tr>'}
</tbody>
</table>
${pager(page, filter)}
</body>
</html>
`;
}

function query(filter: ImageQuery): string {
  return escapeHtml(queryString(filter));
}

function pager(page: ReportPage, filter: ImageQuery): string {
  const last = Math.min(page.offset + page.images.length, page.total);
  const link = (offset: number, label: string) => `<a href="/${query({ ...filter, offset })}">${label}</a>`;
  const previous = page.offset > 0 ? link(Math.max(0, page.offset - page.limit), 'previous') : '';
  const next = last < page.total ? link(page.offset + page.limit, 'next') : '';
  return `<p class="pager">${page.total ? `${page.offset + 1}–${last} of ${page.total}` : ''} ${previous} ${next}</p>`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}
