// The status page's stylesheet and its small script, served by the exporter itself as files of
// their own (/status.css, /status.js) so the Content-Security-Policy can forbid inline code and
// any other origin. The page works without the script: it adds copy-on-click for shortened
// references, focuses the search on "/", and shows the answer to a search (as one types), a filter,
// a sort or another page in place, without loading the whole page again.
/** Characters a shortened value keeps whole at its end (status-page.ts). */
export const MAX_TAIL = 24;

export const STATUS_CSS = `
*, *::before, *::after { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 1rem 1.25rem; color: #1d1d1f; }
h1 { font-size: 1.35rem; margin: 0 0 .2rem; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
header p { margin: 0 0 .75rem; color: #555; }
.notices p { margin: 0 0 .75rem; padding: .5rem .75rem; border-left: 4px solid #b3261e; background: #fdecea; }
nav.counts { display: flex; flex-wrap: wrap; gap: .4rem; margin: 0 0 .75rem; }
nav.counts a { padding: .15rem .55rem; border-radius: .8rem; background: #f0f0f0; color: inherit; text-decoration: none; white-space: nowrap; }
nav.counts a[aria-current] { outline: 2px solid #333; }
nav.counts a.failing, nav.counts a.status-absent, nav.counts a.status-bad_image_format { background: #fbdada; color: #8a1010; }
form { display: flex; flex-wrap: wrap; gap: .6rem; align-items: end; margin-bottom: .75rem; }
label { display: flex; flex-direction: column; font-size: .8rem; color: #555; }
input[type=search] { width: 22rem; max-width: 100%; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
th, td { text-align: left; vertical-align: top; padding: .4rem .5rem; border-bottom: 1px solid #e3e3e3; overflow-wrap: anywhere; }
th { background: #f6f6f6; font-weight: 600; }
col.status { width: 10rem; } col.image { width: 34%; } col.used { width: 20%; } col.checked { width: 9rem; }
table.registries col.registry { width: 24%; } table.registries col.num { width: 6rem; } table.registries col.paused { width: 10rem; }
/* The head gives way first (ellipsis in the middle of the value), the tail only once the head is down to its ellipsis.
   Inline blocks, not flex items, so a selection copies the value on one line; tail-N says how many characters the tail has. */
.ref { display: block; white-space: nowrap; overflow: hidden; font-family: ui-monospace, monospace; font-size: .85rem; cursor: copy; }
.ref .head, .ref .tail { display: inline-block; vertical-align: bottom; overflow: hidden; text-overflow: ellipsis; }
.ref .head { max-width: max(2ch, 100% - var(--tail, 0ch)); }
.ref .tail { max-width: calc(100% - 2ch); }
${Array.from({ length: MAX_TAIL + 1 }, (_, n) => `.ref.tail-${n} { --tail: ${n}ch; }`).join('\n')}
.status-name { overflow-wrap: normal; }
.ref.copied { background: #d9f2dd; }
.sub { color: #555; font-size: .8rem; }
td ul, td ol { margin: 0; padding-left: 1rem; }
td details ol { padding-left: 0; list-style: none; font-size: .8rem; }
details summary { cursor: pointer; color: #555; font-size: .8rem; }
.todo { margin: .25rem 0 0; padding-left: .5rem; border-left: 3px solid #c99a00; }
.badge { display: inline-block; max-width: 100%; padding: .1rem .45rem; border-radius: .6rem; font-size: .8rem; background: #fff0c7; color: #6b4e00; }
.status-available .badge { background: #d9f2dd; color: #0b5d1e; }
.status-absent .badge, .status-bad_image_format .badge { background: #fbdada; color: #8a1010; }
.status-pending .badge { background: #eef; color: #334; }
.pager { display: flex; gap: 1rem; margin: .75rem 0; }
/* A page has 100 rows, a screen shows about ten: rows below it are not laid out or painted until scrolled to
   (laying out all 100 took most of the time a search or another page took to show). */
table.images td > * { content-visibility: auto; contain-intrinsic-size: auto 1.2em; }
@media (max-width: 1000px) {
  body { margin: .75rem; font-size: 13px; }
  col.status { width: 7.5rem; } col.used { width: 18%; } col.checked { width: 8rem; }
  table.registries col.registry { width: 30%; } table.registries col.num { width: 4.5rem; } table.registries col.paused { width: 7rem; }
}
`;

/**
 * Quiet time after a keystroke in the search before it is sent: keys faster than this (a paste,
 * a held key, a fast typist's burst) are one request. Short, because it is added to every
 * search's answer: at 80 ms it was a third of a search's time to show at 5 000 images (case 9).
 */
export const SEARCH_DEBOUNCE_MS = 30;

/** Rows put in place with an answer; the rest of the page's rows follow in the next task, once the answer is painted. */
export const FIRST_ROWS = 20;

export const STATUS_JS = `
'use strict';
document.addEventListener('click', (event) => {
  const ref = event.target instanceof Element ? event.target.closest('.ref') : null;
  if (!ref || !navigator.clipboard || window.getSelection().toString()) return;
  navigator.clipboard.writeText(ref.title).then(() => {
    ref.classList.add('copied');
    setTimeout(() => ref.classList.remove('copied'), 800);
  });
});
document.addEventListener('keydown', (event) => {
  const search = document.getElementById('q');
  if (event.key === '/' && search && document.activeElement !== search) {
    event.preventDefault();
    search.focus();
  }
});

// A search, a filter, a sort or another page asks the server for the part of the page they change
// (part=results: the counts and one page of rows, already escaped) and puts it in place in one
// pass: no new document, no stylesheet or script to load again; the rows below the screen follow
// right after the answer is painted (#results is aria-busy until then). Only the latest request counts:
// a newer one aborts the one in flight, and a reply to anything but the latest is dropped.
// Without the script, the same links and form load the whole page.
const form = document.querySelector('form.filters');
const search = document.getElementById('q');
let inFlight;
let typing;
/** The rows of the answer shown still to come; replaced or dropped when a newer answer is on its way. */
let pendingRows;

function pageUrl() {
  const url = new URL('/', location.href);
  for (const [name, value] of new FormData(form)) if (value && !(name === 'sort' && value === 'status')) url.searchParams.set(name, value);
  const limit = new URL(location.href).searchParams.get('limit');
  if (limit) url.searchParams.set('limit', limit);
  return url;
}

function fillForm(url) {
  const params = url.searchParams;
  if (search.value.trim() !== (params.get('q') || '')) search.value = params.get('q') || '';
  for (const [id, fallback] of [['status', ''], ['namespace', ''], ['sort', 'status']]) document.getElementById(id).value = params.get(id) || fallback;
}

async function show(url, history) {
  clearTimeout(typing);
  inFlight?.abort();
  const request = new AbortController();
  inFlight = request;
  const partUrl = new URL(url);
  partUrl.searchParams.set('part', 'results');
  document.getElementById('results').setAttribute('aria-busy', 'true');
  let text;
  try {
    const response = await fetch(partUrl, { signal: request.signal });
    if (!response.ok) throw new Error(response.statusText);
    text = await response.text();
  } catch {
    // The whole page says what went wrong (busy, not found, unreachable) and what to do.
    if (inFlight === request && !request.signal.aborted) location.assign(url);
    return;
  }
  if (inFlight !== request) return;
  inFlight = undefined;
  const part = document.createElement('template');
  part.innerHTML = text;
  const counts = part.content.querySelector('nav.counts');
  const results = part.content.getElementById('results');
  if (!counts || !results) return location.assign(url);
  // The rows a screen shows go in with the answer; the others once it is painted.
  const rows = results.querySelector('table.images tbody');
  let later;
  if (rows && rows.children.length > ${FIRST_ROWS}) {
    const rest = document.createRange();
    rest.setStartBefore(rows.children[${FIRST_ROWS}]);
    rest.setEndAfter(rows.lastElementChild);
    later = rest.extractContents();
    results.setAttribute('aria-busy', 'true');
  }
  const old = document.getElementById('results');
  const scrollUp = old.getBoundingClientRect().top < 0;
  document.querySelector('nav.counts').replaceWith(counts);
  old.replaceWith(results);
  document.getElementById('json').href = '/api/images' + url.search;
  if (history === 'push') window.history.pushState(null, '', url);
  if (history === 'replace') window.history.replaceState(null, '', url);
  if (scrollUp) results.scrollIntoView();
  if (later) {
    const token = (pendingRows = {});
    requestAnimationFrame(() => setTimeout(() => {
      if (pendingRows !== token) return;
      rows.append(later);
      results.removeAttribute('aria-busy');
    }));
  }
}

if (form && search && window.fetch && window.AbortController) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    show(pageUrl(), 'push');
  });
  for (const select of form.querySelectorAll('select')) select.addEventListener('change', () => show(pageUrl(), 'push'));
  search.addEventListener('input', () => {
    // What is in flight, or still to be put in, answers text that is no longer there: the keys come first.
    inFlight?.abort();
    inFlight = undefined;
    pendingRows = undefined;
    clearTimeout(typing);
    typing = setTimeout(() => show(pageUrl(), 'replace'), ${SEARCH_DEBOUNCE_MS});
  });
  document.addEventListener('click', (event) => {
    const link = event.target instanceof Element ? event.target.closest('nav.counts a, .pager a') : null;
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    const url = new URL(link.href);
    fillForm(url);
    show(url, 'push');
  });
  window.addEventListener('popstate', () => {
    const url = new URL(location.href);
    fillForm(url);
    show(url, 'none');
  });
}
`;
