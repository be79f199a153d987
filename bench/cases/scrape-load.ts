// Case 7: /metrics under load, each exporter in a process of its own (bench/lib/http-probe.ts),
// the clients in this one.
// Every exporter process runs with the Node flags and environment of the image and the NODE_OPTIONS the chart sets
// at its default 256Mi memory limit (the heap limit), as it runs in a cluster.
// 7a: 100 000 availability series, 16 scrapers back to back (asking for gzip and keeping their
//     connection, as Prometheus does) plus 20 clients that send a request without gzip and never
//     read: the exporter's peak RSS against its RSS before any scrape. The same again with a new
//     connection per scrape, for information: thousands of connections a second cost the C heap
//     a few MB that no Prometheus setup would.
// 7b: N images checked against the real registry and rechecked while scraped once a second
//     (Prometheus scrapes every 15 s: this is 15 times its cadence): the process's peak RSS over
//     its whole life against the chart's 256 MiB memory limit.
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, get } from 'node:http';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LIMITS } from '../../src/http/server.js';
import type { TestRegistry } from '../../test/support/registry.js';
import type { ProbeReply, ProbeRequest } from '../lib/http-probe.js';
import { imageNode } from '../lib/image-node.js';
import { chartNodeOptions, imageEnvironment, imageNodeFlags } from '../lib/image-node-flags.js';
import type { Row } from '../lib/report.js';
import { log, mb, ms, percentile, sleep } from '../lib/stats.js';

const PROBE = fileURLToPath(new URL('../lib/http-probe.js', import.meta.url));
const SCRAPERS = 16;
const NON_READERS = 20;
const LOAD_MS = 10_000;
const RATIO_TARGET = 1.25;
const MEMORY_LIMIT = 256 * 1024 * 1024;

export type Probe = { child: ChildProcess; port: number; units: number; ask(request: ProbeRequest): Promise<ProbeReply> };

export async function startProbe(args: string[]): Promise<Probe> {
  const nodeFlags = [...imageNodeFlags(), ...chartNodeOptions()];
  const node = imageNode();
  log(`scrape load: exporter process on Node.js ${node.version} with ${nodeFlags.join(' ')}${node.note ? `: ${node.note}` : ''}`);
  const child = fork(PROBE, args, { execPath: node.path, execArgv: [...nodeFlags, '--expose-gc'], env: imageEnvironment(), stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const next = () =>
    new Promise<ProbeReply>((resolve, reject) => {
      child.once('message', (reply) => resolve(reply as ProbeReply));
      child.once('exit', (code) => reject(new Error(`http probe exited with ${code}`)));
    });
  const ready = (await next()) as { port: number; units: number };
  return {
    child,
    ...ready,
    ask: (request) => {
      const reply = next();
      child.send(request);
      return reply;
    },
  };
}

export async function stopProbe(probe: Probe): Promise<void> {
  const exited = new Promise((resolve) => probe.child.once('exit', resolve));
  probe.child.send({ exit: true } satisfies ProbeRequest);
  await Promise.race([exited, sleep(10_000).then(() => probe.child.kill('SIGKILL'))]);
}

/** One scrape read to the end, asking for gzip as Prometheus does; its duration and (compressed) size. */
export function scrape(port: number, agent: Agent | false = false): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/metrics', agent, headers: { 'accept-encoding': 'gzip' } }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => (bytes += chunk.length));
      response.on('end', () => resolve({ ms: performance.now() - started, bytes }));
      response.on('error', reject);
    }).on('error', reject);
  });
}

/**
 * Sends GET /metrics and reads nothing until `listen()`, then reads what is left: a client the
 * exporter cut off gets only what was in flight (a paused socket cannot see the reset before).
 */
function nonReader(port: number): { listen(): void; received: Promise<number> } {
  const socket = connect(port, '127.0.0.1', () => socket.write('GET /metrics HTTP/1.1\r\nHost: exporter\r\n\r\n'));
  socket.pause();
  socket.on('error', () => {});
  let bytes = 0;
  socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
  return {
    listen: () => {
      socket.resume();
      // A body sent whole stays on a kept-alive connection; 5 s of reading is plenty on loopback.
      setTimeout(() => socket.destroy(), 5000);
    },
    received: new Promise((resolve) => socket.once('close', () => resolve(bytes))),
  };
}

/** `count` scrapes, one every `everyMs`: how long each took. */
export async function scrapesEvery(port: number, count: number, everyMs: number): Promise<number[]> {
  const durations: number[] = [];
  for (let i = 0; i < count; i++) {
    await sleep(everyMs);
    durations.push((await scrape(port)).ms);
  }
  return durations;
}

export async function scrapeLoadCase(series: number, registry: TestRegistry, repos: number, images: number): Promise<Row[]> {
  return [
    await scrapersAndNonReaders(series, 'kept-alive'),
    await scrapersAndNonReaders(series, 'new connection per scrape'),
    await checkedWhileScraped(registry, repos, images),
  ];
}

type Connections = 'kept-alive' | 'new connection per scrape';

async function scrapersAndNonReaders(series: number, connections: Connections): Promise<Row> {
  const probe = await startProbe(['synthetic', String(Math.ceil(series / 8))]);
  // One connection per scraper, kept between scrapes as Prometheus keeps its connection to a target.
  const agent = connections === 'kept-alive' ? new Agent({ keepAlive: true, maxSockets: SCRAPERS }) : false;
  try {
    const idle = ((await probe.ask({ measure: 3000 })) as { peak: number }).peak;
    const measuring = probe.ask({ measure: LOAD_MS });
    const nonReaders = Array.from({ length: NON_READERS }, () => nonReader(probe.port));
    const durations: number[] = [];
    let bytes = 0;
    const until = performance.now() + LOAD_MS;
    await Promise.all(
      Array.from({ length: SCRAPERS }, async () => {
        while (performance.now() < until) {
          const result = await scrape(probe.port, agent);
          durations.push(result.ms);
          bytes = result.bytes;
        }
      }),
    );
    const loaded = ((await measuring) as { peak: number }).peak;
    // Past the exporter's idle timeout, counted from the end of the load: while the scrapers kept
    // its event loop busy a stall timer that fired late started another round (body-writer.ts),
    // and one more late round may follow. Then see what reached them.
    await sleep(2 * DEFAULT_LIMITS.idleTimeoutMs);
    nonReaders.forEach((client) => client.listen());
    const received = await Promise.all(nonReaders.map((client) => client.received));
    // The whole body is 18 MB; a client cut off got what the socket buffers held, well under 4 MB.
    const cutOff = received.filter((got) => got < 4e6).length;
    const closed = `${cutOff} of ${NON_READERS} non-readers cut off (at most ${mb(Math.max(...received))} reached them)`;
    log(
      `scrape load: ${series} series (${mb(bytes)}); idle rss ${mb(idle)}, peak ${mb(loaded)} under ${SCRAPERS} scrapers (${connections}) + ${NON_READERS} non-readers; ` +
        `${durations.length} scrapes, p50 ${ms(percentile(durations, 50))}, p99 ${ms(percentile(durations, 99))}; ${closed}`,
    );
    const keptAlive = connections === 'kept-alive';
    return {
      case: `7. peak RSS, ${series} series, ${SCRAPERS} scrapers (${connections}) + ${NON_READERS} clients that never read`,
      exporter: `${mb(loaded)}; ${durations.length} gzip scrapes of ${mb(bytes)} in ${ms(LOAD_MS)}, p50 ${ms(percentile(durations, 50))}, p99 ${ms(percentile(durations, 99))}; ${closed}`,
      baseline: `same process before any scrape ${mb(idle)}`,
      ratio: loaded / idle,
      target: keptAlive ? `≤ ${RATIO_TARGET}× and non-readers cut off` : 'information: connection churn no Prometheus makes',
      pass: keptAlive ? loaded / idle <= RATIO_TARGET && cutOff === NON_READERS : undefined,
    };
  } finally {
    if (agent) agent.destroy();
    await stopProbe(probe);
  }
}

async function checkedWhileScraped(registry: TestRegistry, repos: number, images: number): Promise<Row> {
  const workloads = images * 2;
  const checked = await startProbe(['registry', registry.host, String(repos), String(images), String(workloads), '20000']);
  try {
    const before = ((await checked.ask({ measure: 1000 })) as { peak: number }).peak;
    const durations: number[] = [];
    let bytes = 0;
    for (const until = performance.now() + 45_000; performance.now() < until; ) {
      const started = performance.now();
      const result = await scrape(checked.port);
      durations.push(result.ms);
      bytes = result.bytes;
      await sleep(Math.max(0, 1000 - (performance.now() - started)));
    }
    const peak = ((await checked.ask({ maxRss: true })) as { maxRss: number }).maxRss;
    log(`scraped exporter: ${checked.units} images, ${workloads} workloads, rss ${mb(before)} before scrapes, lifetime peak ${mb(peak)}; ${durations.length} gzip scrapes of ${mb(bytes)}, p99 ${ms(percentile(durations, 99))}`);
    return {
      case: `7. peak RSS, ${checked.units} images / ${workloads} workloads checked, rechecked every 20 s, scraped every 1 s for 45 s`,
      exporter: `lifetime peak ${mb(peak)}; ${durations.length} gzip scrapes of ${mb(bytes)}, p99 ${ms(percentile(durations, 99))}`,
      baseline: `same process before any scrape ${mb(before)}`,
      ratio: peak / before,
      target: `peak < 256 MiB (${mb(MEMORY_LIMIT)})`,
      pass: peak < MEMORY_LIMIT,
    };
  } finally {
    await stopProbe(checked);
  }
}
