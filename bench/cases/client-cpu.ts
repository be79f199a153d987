// Case 11: CPU per registry request of the exporter's HTTP/1.1 client (direct-connections.ts)
// against Node's http client (the baseline, lib/node-http-connections.ts), each in a process of its
// own with the Node flags the image and chart ship (`--max-opt=0`: V8's interpreter only), against
// the real registry on loopback. Runs alternate between the two clients; each figure is the median
// of its runs. RSS at the end of a run is reported next to it: the CPU must not be bought with memory.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestRegistry } from '../../test/support/registry.js';
import type { ClientCpuFigures } from '../lib/client-cpu-probe.js';
import { nodeFlagsAsShipped } from '../lib/exporter-processes.js';
import { imageNode } from '../lib/image-node.js';
import { imageEnvironment } from '../lib/image-node-flags.js';
import type { Row } from '../lib/report.js';
import { seededImages } from '../lib/seeded-names.js';
import { log, mb, median } from '../lib/stats.js';

const PROBE = fileURLToPath(new URL('../lib/client-cpu-probe.js', import.meta.url));
const run = promisify(execFile);

async function probe(client: 'direct' | 'node', url: string, count: number): Promise<ClientCpuFigures> {
  const { stdout } = await run(imageNode().path, [...nodeFlagsAsShipped(), PROBE, client, url, String(count)], { env: imageEnvironment(), maxBuffer: 1024 * 1024 });
  return JSON.parse(stdout) as ClientCpuFigures;
}

export async function clientCpuCase(registry: TestRegistry, repos: number, rounds: number, count: number): Promise<Row[]> {
  const [image] = seededImages(registry.host, repos, 1);
  const slash = image.indexOf('/');
  const [repository, tag] = image.slice(slash + 1).split(':');
  const url = `${registry.url}/v2/${repository}/manifests/${tag}`;
  const runs: Record<'direct' | 'node', ClientCpuFigures[]> = { direct: [], node: [] };
  for (let round = 0; round < rounds; round++) {
    for (const client of ['node', 'direct'] as const) runs[client].push(await probe(client, url, count));
  }
  const of = (client: 'direct' | 'node', figure: keyof Omit<ClientCpuFigures, 'client'>) => median(runs[client].map((figures) => figures[figure]));
  const cpu = (value: number) => `${value.toFixed(3)} ms`;
  log(`client cpu: ${rounds} rounds of ${count} HEADs and ${count} GETs per client; direct ${JSON.stringify(runs.direct)}; node ${JSON.stringify(runs.node)}`);
  const flags = nodeFlagsAsShipped().join(' ');
  return [
    ...(['HEAD', 'GET'] as const).map((method): Row => {
      const [direct, node] = (['direct', 'node'] as const).map((client) => of(client, method === 'HEAD' ? 'headCpuMs' : 'getCpuMs'));
      return { case: `11 CPU per ${method} (${flags})`, exporter: `${cpu(direct)} (our HTTP/1.1 client)`, baseline: `${cpu(node)} (node:http)`, ratio: direct / node, target: '≤ 0.5', pass: direct / node <= 0.5 };
    }),
    ...(['HEAD', 'GET'] as const).map((method): Row => {
      const [direct, node] = (['direct', 'node'] as const).map((client) => of(client, method === 'HEAD' ? 'headMs' : 'getMs'));
      return { case: `11 ${method} latency, median`, exporter: cpu(direct), baseline: cpu(node), ratio: direct / node, target: '' };
    }),
    { case: '11 RSS after the run', exporter: mb(of('direct', 'rss')), baseline: mb(of('node', 'rss')), ratio: of('direct', 'rss') / of('node', 'rss'), target: '≤ 1.0', pass: of('direct', 'rss') <= of('node', 'rss') },
  ];
}
