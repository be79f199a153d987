// yamllint (Debian's package) with the repository's .yamllint.yaml on the YAML files people edit by
// hand: the chart's Chart.yaml and values.yaml, as chart-testing's `ct lint` lints them, the
// everything-on values, the kept linter findings, monitoring/ and the workflows. deploy/ is left out:
// helm writes it, and test/chart/linters.test.ts lints the objects it holds.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, run, scratchFile, which } from '../support/tools.js';

function yamllint(): string {
  const found = which('yamllint');
  if (!found) throw new Error('yamllint not found: install Debian\'s "yamllint" package (test/install-prereqs.sh)');
  return found;
}

const inDir = (dir: string) => readdirSync(join(repoRoot, dir)).filter((file) => file.endsWith('.yaml')).map((file) => join(dir, file));
const files = [
  'chart/Chart.yaml',
  'chart/values.yaml',
  'test/chart/values-everything.yaml',
  'test/chart/lint-findings-kept.yaml',
  ...inDir('monitoring'),
  ...inDir('monitoring/tests'),
  ...inDir('.github/workflows'),
  '.yamllint.yaml',
];

test('yamllint finds nothing in the hand-written YAML files', () => {
  const result = run(yamllint(), ['-f', 'parsable', '--strict', '-c', join(repoRoot, '.yamllint.yaml'), ...files]);
  expect(result.stdout + result.stderr).toBe('');
  expect(result.status).toBe(0);
});

test('yamllint with these settings reports a key written twice, so a clean run means something', () => {
  const file = scratchFile('twice.yaml', 'image:\n  tag: "1.0"\n  tag: "1.1"\n');
  const result = run(yamllint(), ['-f', 'parsable', '-c', join(repoRoot, '.yamllint.yaml'), file]);
  expect(result.stdout).toContain('duplication of key "tag"');
  expect(result.status).not.toBe(0);
});
