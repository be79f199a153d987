// The kubelet as the oracle: each scenario of the table (scenarios-content.ts on every registry
// implementation, scenarios-access.ts on distribution 2.8 and the servers of the bed,
// scenarios-gitea.ts on Gitea's registry) becomes a pod
// on a real node, whose kubelet + containerd pulls its image or fails with containerd's message,
// while the exporter checks the same pod container with the same pull secrets. Pulled must be
// `available`; not pulled must be any other status; a pull the kubelet is still waiting on after
// KUBELET_BOUND_MS must be registry_unavailable. A difference not listed with its reason in
// docs/like-the-kubelet.md fails the suite, and so does a listed one that no longer differs.
import { kubectl } from '../support/kubectl.js';
import { IMPLEMENTATIONS, startBed, type Bed, type Implementation } from './bed.js';
import { knownDifference, readKnownDifferences, type KnownDifference } from './known-differences.js';
import { observeExporter, observeKubelet, type ExporterView, type KubeletView } from './observe.js';
import { BATCH_LABEL, NAMESPACE, scenarioObjects } from './pod-manifests.js';
import type { PodSetup, Scenario } from './scenario-types.js';
import { accessScenarios } from './scenarios-access.js';
import { contentScenarios } from './scenarios-content.js';
import { giteaScenarios } from './scenarios-gitea.js';
import { hostedScenarios } from './scenarios-hosted.js';
import { seedFindingScenarios } from './scenarios-seed-findings.js';
import { seedRange, seedScenarios } from './scenarios-seeds.js';

const KUBELET_BOUND_MS = 60_000;
const EXPORTER_BOUND_MS = 90_000;
const BATCH_SIZE = 50;
const SHORT: Record<Implementation, string> = { 'distribution-2.8': 'd28', 'distribution-v3': 'd3', ggcr: 'ggcr', gitea: 'gt' };

type Case = { scenario: Scenario; implementation: Implementation; pod: string };
type Result = Case & { image: string; kubelet: KubeletView; exporter: ExporterView; agree: boolean; known?: KnownDifference };
type Refused = Case & { why: string };

export function agrees(kubelet: KubeletView, exporter: ExporterView): boolean {
  if (kubelet.outcome === 'pulled') return exporter.status === 'available';
  if (kubelet.outcome === 'not pulled') return !['available', 'pending'].includes(exporter.status);
  return exporter.status === 'registry_unavailable';
}

/** `ORACLE_ONLY=seeds`: the generated rows alone (npm run oracle:seeds). */
const ONLY_SEEDS = process.env.ORACLE_ONLY === 'seeds';

function cases(): Case[] {
  const table = ONLY_SEEDS ? [] : [...accessScenarios, ...hostedScenarios, ...seedFindingScenarios, ...giteaScenarios, ...contentScenarios];
  const all = [...table, ...seedScenarios()].flatMap((scenario) =>
    (scenario.on === 'content' ? IMPLEMENTATIONS : [scenario.on]).map((implementation) => ({ scenario, implementation, pod: `${scenario.id}-${SHORT[implementation]}` })),
  );
  // The rows whose kubelet pull may never end go first, so their bound overlaps the others' pulls.
  return [...all.filter((c) => c.scenario.kubelet === 'still pulling'), ...all.filter((c) => c.scenario.kubelet !== 'still pulling')];
}

async function kubectlOk(bed: Bed, args: string[], input?: string): Promise<string> {
  const result = await kubectl(bed.api.kubeconfigPath, args, input, 120_000);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

async function inParallel<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  }));
  return results;
}

async function runBatch(bed: Bed, batch: number, batchCases: Case[], known: KnownDifference[]): Promise<{ results: Result[]; refused: Refused[] }> {
  const refused: Refused[] = [];
  const set = await inParallel(batchCases, 6, async (c): Promise<(Case & { setup: PodSetup }) | undefined> => {
    try {
      return { ...c, setup: await c.scenario.setup(bed, bed.content[c.implementation]) };
    } catch (error) {
      if (!c.scenario.mayBeRefused) throw new Error(`setting up ${c.pod} failed: ${(error as Error).message}`);
      refused.push({ ...c, why: (error as Error).message.slice(0, 200) });
      return undefined;
    }
  });
  const ready = set.filter((c): c is Case & { setup: PodSetup } => c !== undefined);
  const objects = ready.flatMap((c) => scenarioObjects(c.pod, batch, c.setup));
  await kubectlOk(bed, ['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
  const pods = ready.map((c) => c.pod);
  const [kubelet, exporter] = await Promise.all([
    observeKubelet(bed.api.kubeconfigPath, NAMESPACE, `${BATCH_LABEL}=${batch}`, pods, KUBELET_BOUND_MS),
    observeExporter(bed.exporter.url, NAMESPACE, pods, EXPORTER_BOUND_MS),
  ]);
  await kubectlOk(bed, ['delete', 'pods,secrets,serviceaccounts', '-n', NAMESPACE, '-l', `${BATCH_LABEL}=${batch}`, '--grace-period=0', '--force', '--wait=false']);
  const results = ready.map((c) => {
    const views = { kubelet: kubelet.get(c.pod)!, exporter: exporter.get(c.pod)! };
    return { ...c, image: c.setup.image, ...views, agree: agrees(views.kubelet, views.exporter), known: knownDifference(known, c.scenario.id, c.implementation) };
  });
  return { results, refused };
}

const describeRow = (r: Result) =>
  `${r.scenario.id} on ${r.implementation} (${r.scenario.what}; image ${r.image.length > 120 ? `${r.image.slice(0, 120)}…` : r.image}): the kubelet ${r.kubelet.outcome} — ${r.kubelet.message.slice(0, 400)}; the exporter ${r.exporter.status} — ${r.exporter.reason.slice(0, 400)}`;

/** The one-line summary of the generated run. */
function seedSummary(results: Result[]): string {
  const seeds = results.filter((r) => r.scenario.generated);
  const { from, count } = seedRange();
  const pulled = seeds.filter((r) => r.kubelet.outcome === 'pulled').length;
  const disagreements = seeds.filter((r) => !r.agree);
  return `generated run: ${seeds.length} of ${count} seeds from ${from} (${pulled} pulled by the node, ${seeds.length - pulled} not), ${disagreements.length} disagreements${disagreements.length ? ` (${disagreements.map((r) => r.scenario.id).join(', ')})` : ''}`;
}

function resultsTable(results: Result[], refused: Refused[], seconds: number): string {
  const lines = [
    seedSummary(results),
    `differential suite: ${results.length} scenario runs in ${seconds.toFixed(0)} s; ${results.filter((r) => r.agree).length} agree, ${results.filter((r) => !r.agree && r.known).length} known differences, ${results.filter((r) => !r.agree && !r.known).length} unexplained`,
    ...IMPLEMENTATIONS.map((implementation) => {
      const mine = results.filter((r) => r.implementation === implementation);
      return `  ${implementation}: ${mine.length} run, ${mine.filter((r) => r.agree).length} agree, ${refused.filter((r) => r.implementation === implementation).length} not supported (${refused.filter((r) => r.implementation === implementation).map((r) => r.scenario.id).join(', ') || 'none'})`;
    }),
    '| scenario | registry | kubelet | exporter | agree |',
    '|---|---|---|---|---|',
    ...results.map((r) => `| ${r.scenario.id} | ${r.implementation} | ${r.kubelet.outcome}: ${r.kubelet.message.replace(/\|/g, '/').slice(0, 300)} | ${r.exporter.status}: ${r.exporter.reason.replace(/\|/g, '/').slice(0, 200)} | ${r.agree ? 'yes' : r.known ? 'known' : 'NO'} |`),
  ];
  return lines.join('\n');
}

describe('the kubelet as the oracle: every scenario pulled on a real node and checked by the exporter', () => {
  let bed: Bed;
  const results: Result[] = [];
  const refused: Refused[] = [];
  const known = readKnownDifferences();

  beforeAll(async () => {
    const started = Date.now();
    bed = await startBed();
    await kubectlOk(bed, ['create', 'namespace', NAMESPACE]);
    for (let tries = 0; (await kubectl(bed.api.kubeconfigPath, ['get', 'serviceaccount', 'default', '-n', NAMESPACE])).code !== 0; tries++) {
      if (tries > 60) throw new Error(`the controller manager made no default ServiceAccount in ${NAMESPACE}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const all = cases();
    for (let i = 0; i < all.length; i += BATCH_SIZE) {
      const batch = await runBatch(bed, i / BATCH_SIZE, all.slice(i, i + BATCH_SIZE), known);
      results.push(...batch.results);
      refused.push(...batch.refused);
    }
    console.log(resultsTable(results, refused, (Date.now() - started) / 1000));
  }, 900_000);

  afterAll(async () => {
    await bed?.stop();
  }, 120_000);

  (ONLY_SEEDS ? test.skip : test)("at least 60 scenarios run, the content ones on distribution 2.8, distribution v3, go-containerregistry and Gitea, Gitea's access rows on it", () => {
    expect(new Set(results.map((r) => r.scenario.id)).size).toBeGreaterThanOrEqual(60);
    for (const implementation of IMPLEMENTATIONS) expect(results.filter((r) => r.implementation === implementation && r.scenario.on === 'content').length).toBeGreaterThanOrEqual(20);
    expect(results.filter((r) => r.scenario.on === 'gitea').length).toBe(giteaScenarios.length);
  });

  test('the exporter agrees with the kubelet on every scenario, except the differences listed with their reason in docs/like-the-kubelet.md', () => {
    expect(results.filter((r) => !r.agree && !r.known).map(describeRow)).toEqual([]);
  });

  test('every difference listed in docs/like-the-kubelet.md still differs (the list says nothing false)', () => {
    expect(results.filter((r) => r.agree && r.known).map((r) => `${r.scenario.id} on ${r.implementation} is listed but agrees`)).toEqual([]);
  });

  test('every seed of the generated run was set up and observed', () => {
    expect(results.filter((r) => r.scenario.generated).length).toBe(seedRange().count);
  });

  test("the node does what each row sets up (the test bed's own check)", () => {
    expect(results.filter((r) => !r.scenario.generated && r.kubelet.outcome !== r.scenario.kubelet).map((r) => `${r.scenario.id} on ${r.implementation}: the row expects ${r.scenario.kubelet}, ${describeRow(r)}`)).toEqual([]);
  });
});
