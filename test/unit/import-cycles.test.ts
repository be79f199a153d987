// Modules of src/ import each other in one direction only (watch → image index → scheduler →
// registry client → results → metrics/HTTP, each room using the ones below it): a cycle makes
// load order matter and the rooms impossible to read one at a time. Type-only imports and
// import() count too. A cycle is resolved by moving the shared piece into a file both can import.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importCycles, importGraph } from '../support/import-graph.js';
import { repoRoot } from '../support/tools.js';

test('no import cycle among the files of src/', () => {
  const cycles = importCycles(importGraph(join(repoRoot, 'src')));
  expect(cycles.map((cycle) => `cycle: ${cycle.join(' ↔ ')}; move what they share into a file both import`)).toEqual([]);
});

test('the cycle check finds a cycle through a type-only import and one through import()', () => {
  const folder = mkdtempSync(join(tmpdir(), 'import-cycles-'));
  try {
    writeFileSync(join(folder, 'a.ts'), "import type { B } from './b.js';\nexport type A = B;\n");
    writeFileSync(join(folder, 'b.ts'), "import { a } from './c.js';\nexport type B = string;\n");
    writeFileSync(join(folder, 'c.ts'), "export const a = () => import('./a.js');\n");
    writeFileSync(join(folder, 'd.ts'), "import { a } from './c.js';\nexport const d = a;\n");
    expect(importCycles(importGraph(folder))).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
