// Child process of the client CPU case (cases/client-cpu.ts), run with the image's Node flags:
// `count` HEADs, then `count` GETs, of one manifest, one at a time on a kept-alive connection,
// through our HTTP/1.1 client (`direct`) or through Node's http (`node`, the baseline), each body
// read or discarded as the transport does. Prints its CPU per request, median latency and RSS as JSON.
//
// Usage: node <flags> client-cpu-probe.js <direct|node> <manifest URL> <count>
import { poolOptions, type Connections } from '../../src/registry/transport/connections.js';
import { DirectConnections } from '../../src/registry/transport/direct-connections.js';
import { NodeConnections } from './node-http-connections.js';
import { median } from './stats.js';

export type ClientCpuFigures = { client: string; headCpuMs: number; getCpuMs: number; headMs: number; getMs: number; rss: number };

const [client, target, countText] = process.argv.slice(2);
const count = Number(countText);
const url = new URL(target);
const pool = poolOptions(4, 5000);
const connections: Connections = client === 'direct' ? new DirectConnections(pool, { rejectUnauthorized: true }) : new NodeConnections(pool, { rejectUnauthorized: true });
// One signal for every request: a deadline per request would cost both clients alike.
const signal = new AbortController().signal;
const headers = { accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json', 'user-agent': 'client-cpu-probe' };

async function run(method: 'HEAD' | 'GET', times: number): Promise<{ cpuMs: number; ms: number }> {
  const latencies: number[] = [];
  const cpu = process.cpuUsage();
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    const answer = await connections.request(url, { method, headers, signal });
    if (answer.status !== 200) throw new Error(`${method} ${url} answered ${answer.status}`);
    if (method === 'GET') await answer.body.text(1024 * 1024, () => new Error('manifest too large'));
    else await answer.body.discard();
    latencies.push(performance.now() - started);
  }
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000 / times, ms: median(latencies) };
}

// Warm-up: connections opened, code paths run once.
await run('HEAD', 200);
await run('GET', 200);
const head = await run('HEAD', count);
const get = await run('GET', count);
await connections.destroy();
const figures: ClientCpuFigures = { client, headCpuMs: head.cpuMs, getCpuMs: get.cpuMs, headMs: head.ms, getMs: get.ms, rss: process.memoryUsage.rss() };
console.log(JSON.stringify(figures));
