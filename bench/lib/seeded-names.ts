// The names of the images seed.ts puts into the registry. Kept apart from the seeding itself,
// which talks to the registry through undici: the probes that stand for the exporter import
// these names, and importing seed.ts would load undici into them, which the exporter never loads.

export function repoName(i: number): string {
  return `bench/r${String(i).padStart(3, '0')}`;
}

export function tagName(i: number): string {
  return `t${i}`;
}

/** The first `count` images of a seeded registry, spread over all repositories: r000:t0, r001:t0, … */
export function seededImages(host: string, repos: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${host}/${repoName(i % repos)}:${tagName(Math.floor(i / repos))}`);
}
