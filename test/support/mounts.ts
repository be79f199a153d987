// Mounts that a test's own processes (dockerd, containerd, the kubelet) leave under their temp
// dirs: unmounted, deepest first, before the dirs are removed.
import { readFileSync } from 'node:fs';
import { runAsync } from './processes.js';

/** Mount points at or under one of `roots`, deepest first. */
export function mountsUnder(roots: string[]): string[] {
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point): point is string => !!point && roots.some((root) => point === root || point.startsWith(`${root}/`)));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Lazily unmounts everything at or under `roots` (a busy mount is detached now, freed when unused). */
export async function unmountUnder(roots: string[]): Promise<void> {
  for (const point of mountsUnder(roots)) await runAsync('umount', ['-l', point]);
}
