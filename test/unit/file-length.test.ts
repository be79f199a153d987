// No source file over 400 lines (STYLE.md): a file that long holds more than one concept, and a
// newcomer reads the room's folder names and then one short file at a time.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '../support/tools.js';

const MAX_LINES = 400;

/** The lines an editor shows: a last line without a newline counts, a final newline adds none. */
function lineCount(text: string): number {
  if (text === '') return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

test(`no file in src/ is over ${MAX_LINES} lines`, () => {
  const src = join(repoRoot, 'src');
  const files = readdirSync(src, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
  expect(files.length).toBeGreaterThan(0);
  const tooLong = files
    .map((entry) => ({ file: relative(repoRoot, join(entry.parentPath, entry.name)), lines: lineCount(readFileSync(join(entry.parentPath, entry.name), 'utf8')) }))
    .filter(({ lines }) => lines > MAX_LINES)
    .map(({ file, lines }) => `${file} has ${lines} lines, over ${MAX_LINES}: split it by concept into files of its folder`);
  expect(tooLong).toEqual([]);
});

test('a last line without a newline counts, a final newline adds none', () => {
  expect(lineCount('')).toBe(0);
  expect(lineCount('a\n')).toBe(1);
  expect(lineCount('a\nb')).toBe(2);
  expect(lineCount('a\nb\n')).toBe(2);
});
