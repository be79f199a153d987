// The Markdown pages hold together: every relative link and image between them resolves to a file
// of the repository, and an anchor (#section) to a heading of that page, spelt as GitHub spells
// heading ids. The README stays a front door (at most 300 lines) that leads to every page of docs/.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { headingIds } from '../support/markdown.js';
import { repoRoot } from '../support/tools.js';

const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.git', '.cache']);

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (SKIPPED_DIRS.has(name)) return [];
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return name.endsWith('.md') ? [path] : [];
  });
}

/** The Markdown outside fenced code blocks and inline code spans, where links are links. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Every relative link target of a page: `[text](target)` and `![alt](target)`. */
export function relativeLinks(markdown: string): string[] {
  return [...prose(markdown).matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?: "[^"]*")?\)/g)]
    .map((match) => match[1])
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** What is wrong with one link of `page`, or undefined when it resolves. */
export function brokenLink(page: string, target: string): string | undefined {
  const [pathPart, anchor] = target.split('#', 2);
  const file = pathPart ? join(dirname(page), decodeURIComponent(pathPart)) : page;
  if (!existsSync(file)) return `${target}: no file ${relative(repoRoot, file)}`;
  if (anchor === undefined || !file.endsWith('.md')) return undefined;
  return headingIds(readFileSync(file, 'utf8')).has(anchor) ? undefined : `${target}: no heading #${anchor} in ${relative(repoRoot, file)}`;
}

const pages = markdownFiles(repoRoot);

test('the pages checked include the README and docs/', () => {
  const names = pages.map((page) => relative(repoRoot, page));
  expect(names).toEqual(expect.arrayContaining(['README.md', 'chart/README.md', 'BENCHMARKS.md', 'docs/settings.md']));
});

test.each(pages.map((page) => [relative(repoRoot, page), page]))('%s: every relative link and anchor resolves', (_name, page) => {
  const broken = relativeLinks(readFileSync(page, 'utf8'))
    .map((target) => brokenLink(page, target))
    .filter((problem) => problem !== undefined);
  expect(broken).toEqual([]);
});

test('a link to a missing page, or to a heading a page does not have, is reported', () => {
  const readme = join(repoRoot, 'README.md');
  expect(brokenLink(readme, 'docs/no-such-page.md')).toMatch(/no file docs\/no-such-page\.md/);
  expect(brokenLink(readme, 'docs/settings.md#no-such-heading')).toMatch(/no heading #no-such-heading/);
  expect(brokenLink(readme, 'docs/settings.md')).toBeUndefined();
});

test("heading ids are GitHub's: punctuation dropped, backticks too, repeats numbered", () => {
  const ids = headingIds('# Check interval: 1m in batches there, 5m per image here\n## The `check` command\n## Flags\n## Flags\n');
  expect([...ids]).toEqual(['check-interval-1m-in-batches-there-5m-per-image-here', 'the-check-command', 'flags', 'flags-1']);
});

test('README.md is at most 300 lines and links every page of docs/', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  expect(readme.split('\n').length).toBeLessThanOrEqual(300);
  const linked = new Set(relativeLinks(readme).map((target) => target.split('#')[0]));
  const docs = readdirSync(join(repoRoot, 'docs')).filter((name) => name.endsWith('.md'));
  expect(docs.filter((name) => !linked.has(`docs/${name}`))).toEqual([]);
});
