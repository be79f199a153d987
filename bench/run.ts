// `npm run bench [-- --quick | --full] [--cases 3,9]`: every case (or the numbered ones) against
// the real registry on loopback, each figure next to a baseline measured in the same run. The
// table goes to stdout (Markdown, as in BENCHMARKS.md), progress to stderr.
import { cpus, loadavg, totalmem } from 'node:os';
import { startRegistry } from '../test/support/registry.js';
import { admissionCase } from './cases/admission.js';
import { clientCpuCase } from './cases/client-cpu.js';
import { credentialPluginCase } from './cases/credential-plugin.js';
import { fairnessCase } from './cases/fairness.js';
import { freshnessCase } from './cases/freshness.js';
import { liveFreshnessCase } from './cases/live-freshness.js';
import { memoryCase } from './cases/memory.js';
import { podMemoryCase } from './cases/pod-memory.js';
import { renderCase } from './cases/render.js';
import { scrapeLoadCase } from './cases/scrape-load.js';
import { scrapeUnderPagesCase } from './cases/scrape-under-pages.js';
import { statusPageCase } from './cases/status-page.js';
import { requestEconomyCase } from './cases/request-economy.js';
import { throughputCase } from './cases/throughput.js';
import { imageNode } from './lib/image-node.js';
import { table, type Row } from './lib/report.js';
import { casesFrom, imagesNeeded, scaleFrom } from './lib/scale.js';
import { seedTags } from './lib/seed.js';
import { log, ms } from './lib/stats.js';

const scale = scaleFrom(process.argv.slice(2));
const wanted = casesFrom(process.argv.slice(2));
const started = performance.now();
const loadAtStart = loadavg()[0];
const rows: Row[] = [];
let throughputDetail: string[] = [];

log(`${scale.name} run`);
if (wanted(4)) rows.push(...(await renderCase(scale.renderSeries)));
if (wanted(1)) rows.push(...(await requestEconomyCase(scale.economyRounds)));
if (wanted(9)) rows.push(...(await statusPageCase(scale.statusPageImages)));
if (wanted(9)) rows.push(...(await scrapeUnderPagesCase(scale.renderSeries)));
if (wanted(8)) rows.push(...(await podMemoryCase()));
if (wanted(10)) rows.push(...(await admissionCase()));

// Cases 2 to 7 and 11 share one seeded registry.
const registry = [2, 3, 4, 5, 6, 7, 11].some(wanted) ? await startRegistry({ auth: 'none' }) : undefined;
if (registry) {
  try {
    // Case 11 alone asks for one manifest.
    const needed = [2, 3, 4, 5, 6, 7].some(wanted) ? imagesNeeded(scale) : scale.repos;
    const seedStarted = performance.now();
    await seedTags(registry, scale.repos, Math.ceil(needed / scale.repos));
    log(`seeded ${needed} tags in ${scale.repos} repositories in ${ms(performance.now() - seedStarted)}`);
    if (wanted(2)) {
      const throughput = await throughputCase(registry, scale.repos, scale.throughputSizes);
      rows.push(...throughput.rows);
      throughputDetail = throughput.detail;
    }
    if (wanted(3)) rows.push(...(await freshnessCase(registry, scale.repos, scale.freshnessEvents, scale.freshnessBurst)));
    if (wanted(3)) rows.push(...(await liveFreshnessCase(registry, scale.repos, scale.liveFreshnessSizes, scale.liveFreshnessEvents)));
    if (wanted(4)) rows.push(...(await memoryCase(registry, scale.repos, scale.memoryWorkloads, scale.memoryImages)));
    if (wanted(7)) rows.push(...(await scrapeLoadCase(scale.renderSeries, registry, scale.repos, scale.scrapeImages)));
    if (wanted(5)) rows.push(...(await fairnessCase(registry, scale.repos, scale.fairnessFastImages, scale.fairnessSlowImages)));
    if (wanted(6)) rows.push(...(await credentialPluginCase(registry, scale.repos, scale.pluginImages)));
    if (wanted(11)) rows.push(...(await clientCpuCase(registry, scale.repos, scale.clientCpuRounds, scale.clientCpuRequests)));
  } finally {
    await registry.stop();
  }
}

const cpu = cpus();
console.log(
  `Machine: ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GB; Node.js ${process.version} (the exporter processes of cases 4 and 7: ${imageNode().version}, the image's); ` +
    `${scale.name} run, ${ms(performance.now() - started)}; load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end.\n`,
);
// Cases run in the order that suits the shared registry; the table follows the case numbers.
console.log(table(rows.sort((a, b) => parseInt(a.case, 10) - parseInt(b.case, 10))));
console.log('\nThroughput detail (run in the order keep-alive, exporter, reconnecting, exporter, keep-alive):\n');
console.log(throughputDetail.join('\n'));
