// Child process of the memory case: what loading code alone costs. Loads nothing (a bare Node
// process), the parts of the Kubernetes client library the exporter uses, or every module the
// exporter's entry point loads, then prints RSS and the V8 heap retained after a full garbage
// collection, as JSON. Run as bundled by `npm run bench` (scripts/bundle.mjs), as the exporter
// ships: each load is a chunk of its own, read only when imported.
//
// Usage: node --expose-gc module-cost.js bare|client-library|exporter
import { sleep } from './stats.js';

export type ModuleCost = { rss: number; heapUsed: number; external: number };

const what = process.argv[2];
if (what === 'client-library') await import('../../src/kube/client-library.js');
else if (what === 'exporter') await import('../../src/main.js');
else if (what !== 'bare') throw new Error(`module-cost: unknown load ${what}`);

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
gc();
await sleep(100);
gc();
const usage = process.memoryUsage();
const cost: ModuleCost = { rss: usage.rss, heapUsed: usage.heapUsed, external: usage.external };
process.stdout.write(`${JSON.stringify(cost)}\n`);
