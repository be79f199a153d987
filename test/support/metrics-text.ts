// Reads Prometheus text exposition into series → value, for assertions on /metrics.
import { workloadLabel } from '../../src/metrics/availability-families.js';
export type Series = { name: string; labels: Record<string, string>; value: number };

export function parseMetrics(text: string): Series[] {
  const series: Series[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`unparsable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]] = pair[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    series.push({ name: match[1], labels, value: Number(match[4]) });
  }
  return series;
}

/** The status whose gauge is 1 for one workload container, or undefined when it has no series. */
export function statusOf(series: Series[], kind: string, namespace: string, workload: string, container: string): string | undefined {
  const prefix = `k8s_image_availability_exporter_${kind}_`;
  const mine = series.filter((s) => s.name.startsWith(prefix) && s.labels.namespace === namespace && s.labels[workloadLabel(kind)] === workload && s.labels.container === container);
  const ones = mine.filter((s) => s.value === 1);
  if (mine.length === 0) return undefined;
  if (mine.length !== 8 || ones.length !== 1) throw new Error(`${kind} ${namespace}/${workload} ${container}: ${mine.length} series, ${ones.length} set to 1`);
  return ones[0].name.slice(prefix.length);
}

export async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (accept(last)) return last;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}${lastError ? `; last error: ${String(lastError)}` : ''}`);
}
