// The differences from the kubelet the project knows and keeps, read from the table of
// docs/like-the-kubelet.md: | `scenario id` | registries | the kubelet | the exporter | why |.
// A row names `every` registry or a comma-separated list of implementations.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/tools.js';

export type KnownDifference = { scenario: string; implementations: string[] | 'every'; why: string };

export const KNOWN_DIFFERENCES_FILE = join(repoRoot, 'docs', 'like-the-kubelet.md');

export function readKnownDifferences(file = KNOWN_DIFFERENCES_FILE): KnownDifference[] {
  const differences: KnownDifference[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const cells = line.split('|').slice(1, -1).map((cell) => cell.trim());
    const id = /^`([a-z0-9-]+)`$/.exec(cells[0] ?? '')?.[1];
    if (!id || cells.length < 5) continue;
    if (!cells[4]) throw new Error(`${file}: the difference of ${id} has no reason`);
    differences.push({ scenario: id, implementations: cells[1] === 'every' ? 'every' : cells[1].split(',').map((name) => name.trim()), why: cells[4] });
  }
  return differences;
}

export function knownDifference(differences: KnownDifference[], scenario: string, implementation: string): KnownDifference | undefined {
  return differences.find((difference) => difference.scenario === scenario && (difference.implementations === 'every' || difference.implementations.includes(implementation)));
}
