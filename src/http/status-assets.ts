// The status page's stylesheet and its small script, served by the exporter itself as files of
// their own (/status.css, /status.js) so the Content-Security-Policy can forbid inline code and
// any other origin. The page works without the script: it only adds copy-on-click for shortened
// references, submits the filters when they change and focuses the search on "/".
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
@media (max-width: 1000px) {
  body { margin: .75rem; font-size: 13px; }
  col.status { width: 7.5rem; } col.used { width: 18%; } col.checked { width: 8rem; }
  table.registries col.registry { width: 30%; } table.registries col.num { width: 4.5rem; } table.registries col.paused { width: 7rem; }
}
`;

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
for (const select of document.querySelectorAll('form.filters select')) {
  select.addEventListener('change', () => select.form.requestSubmit());
}
document.addEventListener('keydown', (event) => {
  const search = document.getElementById('q');
  if (event.key === '/' && search && document.activeElement !== search) {
    event.preventDefault();
    search.focus();
  }
});
`;
