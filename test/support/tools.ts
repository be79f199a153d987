// Running the real command-line tools the chart and monitoring tests check with (helm, promtool).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root directory, also from the compiled copy under dist/ that the benchmarks run. */
export const repoRoot = ((root) => (basename(root) === 'dist' ? dirname(root) : root))(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'));

/** test/.cache: git-ignored, for extracted binaries and scratch files. */
export const cacheDir = join(repoRoot, 'test', '.cache');

export type RunResult = { status: number | null; stdout: string; stderr: string; command: string };

/** Runs a command to completion (no shell), capturing its output. */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): RunResult {
  const result = spawnSync(command, args, {
    cwd: options.cwd ?? repoRoot,
    env: options.env ?? process.env,
    input: options.input,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw new Error(`${command}: ${result.error.message}`);
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    command: [command, ...args].join(' '),
  };
}

/** Throws with the command's whole output unless it exited 0; returns its stdout. */
export function runOk(command: string, args: string[], options: Parameters<typeof run>[2] = {}): string {
  const result = run(command, args, options);
  if (result.status !== 0) {
    throw new Error(`${result.command} exited ${result.status}\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

/** The full path of an executable on PATH, or undefined. */
export function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The promtool to use: $PROMTOOL, else promtool on PATH (Debian's `prometheus` package). */
export function promtool(): string {
  const found = process.env.PROMTOOL || which('promtool');
  if (!found) {
    throw new Error('promtool not found: install Debian\'s "prometheus" package (test/install-prereqs.sh) or set PROMTOOL');
  }
  return found;
}

/**
 * Writes a scratch file under test/.cache/tmp named by a hash of its content, so reruns reuse it
 * instead of piling up files; returns its path.
 */
export function scratchFile(name: string, content: string): string {
  const dir = join(cacheDir, 'tmp');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${createHash('sha256').update(content).digest('hex').slice(0, 16)}-${name}`);
  if (!existsSync(file)) {
    // Written under a temporary name and renamed, so a parallel jest worker never reads half a file.
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, content);
    renameSync(partial, file);
  }
  return file;
}

/** The four workload kinds the exporter exports availability gauges for. */
export const workloadKinds = ['deployment', 'statefulset', 'daemonset', 'cronjob', 'job', 'pod'] as const;

/**
 * The metric names the exporter exports (histograms as their _bucket/_sum/_count series): the
 * per-kind status gauges, and the prom-client families declared in src/metrics/metrics.ts.
 */
export function exporterMetricNames(statuses: readonly string[]): Set<string> {
  const source = readFileSync(join(repoRoot, 'src', 'metrics', 'metrics.ts'), 'utf8');
  const names = new Set(workloadKinds.flatMap((kind) => statuses.map((status) => `k8s_image_availability_exporter_${kind}_${status}`)));
  for (const match of source.matchAll(/new (Gauge|Counter|Histogram)\(\{\s*name: `\$\{METRIC_PREFIX\}_(\w+)`/g)) {
    const name = `k8s_image_availability_exporter_${match[2]}`;
    if (match[1] === 'Histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    else names.add(name);
  }
  // Families written as text lines (platform_missing), not through prom-client.
  for (const match of source.matchAll(/const name = `\$\{METRIC_PREFIX\}_(\w+)`/g)) names.add(`k8s_image_availability_exporter_${match[1]}`);
  return names;
}
