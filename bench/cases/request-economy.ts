// Case 1: registry requests (manifest HEADs, /v2/ pings and token requests, counted by the
// registry's access log and the token server) per image check in steady state, for no auth,
// Basic (htpasswd) and Bearer token auth; next to a naive client that authenticates afresh on
// every check, counted the same way on the same registry.
//
// The last mode scales down the defaults' proportions: a 5 m check interval against registries
// whose tokens live 300 s (Docker Hub's, and the test token server's default), i.e. an interval
// longer than a token's life, so every recheck finds its token expired. One token request then
// carries the scopes of the other repositories due, so its cost is shared by the checks it serves:
// the figure approaches 1 as the number of repositories per registry and credential grows (50 here).
import { ImageFilter } from '../../src/index/image-filter.js';
import { ImageIndex } from '../../src/index/image-index.js';
import { startRegistry, type TestRegistry } from '../../test/support/registry.js';
import { NAIVE_USER_AGENT, NaiveClient, type NaiveCredential } from '../lib/bare.js';
import { EXPORTER_USER_AGENT, machinery } from '../lib/machinery.js';
import { pullSecretSource } from '../lib/pull-secret.js';
import type { Row } from '../lib/report.js';
import { log, waitFor } from '../lib/stats.js';
import { workload } from '../lib/workloads.js';

const TARGET = 1.05;
const USER = 'bench';
const PASSWORD = 'bench-password';

/** `intervalMs` is short, so the steady-state rounds come quickly; each round takes far less. */
type Mode = { label: string; auth: 'none' | 'htpasswd' | 'token'; images: number; intervalMs: number; tokenExpiresIn?: number };
const MODES: Mode[] = [
  { label: 'no auth', auth: 'none', images: 10, intervalMs: 500 },
  { label: 'Basic auth', auth: 'htpasswd', images: 10, intervalMs: 500 },
  { label: 'token auth', auth: 'token', images: 10, intervalMs: 500 },
  { label: 'token auth, interval > token life, 50 repositories', auth: 'token', images: 50, intervalMs: 1500, tokenExpiresIn: 1 },
];

export async function requestEconomyCase(rounds: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (const mode of MODES) {
    const registry = await startRegistry({ auth: mode.auth, users: { [USER]: PASSWORD }, grants: { [USER]: ['bench/*'] }, tokenExpiresIn: mode.tokenExpiresIn });
    try {
      const images: string[] = [];
      for (let i = 0; i < mode.images; i++) {
        await registry.pushImage(`bench/e${i}`, 'v1');
        images.push(`${registry.host}/bench/e${i}:v1`);
      }
      const credential: NaiveCredential = mode.auth === 'none' ? undefined : { username: USER, password: PASSWORD };
      const exporter = await exporterRequestsPerCheck(registry, images, rounds, mode.intervalMs, credential);
      const naive = await naiveRequestsPerCheck(registry, images, rounds, credential);
      log(`economy ${mode.label}: exporter ${exporter.perCheck.toFixed(2)} (client saw ${exporter.clientPerCheck.toFixed(2)}), naive ${naive.perCheck.toFixed(2)}`);
      const problems = exporter.unavailable + naive.unavailable;
      rows.push({
        case: `1. requests per check, ${mode.label}`,
        exporter: `${exporter.perCheck.toFixed(2)} (${exporter.checks} checks)`,
        baseline: `naive client ${naive.perCheck.toFixed(2)}`,
        ratio: exporter.perCheck / naive.perCheck,
        target: `exporter ≤ ${TARGET.toFixed(2)}`,
        pass: exporter.perCheck <= TARGET && problems === 0,
      });
      if (problems > 0) rows[rows.length - 1].exporter += ` (${problems} checks not available!)`;
    } finally {
      await registry.stop();
    }
  }
  return rows;
}

type Count = { perCheck: number; checks: number; unavailable: number };

/** Requests the registry and its token server saw from the exporter, per check, over `rounds` interval-driven rechecks. */
async function exporterRequestsPerCheck(
  registry: TestRegistry,
  images: string[],
  rounds: number,
  intervalMs: number,
  credential: NaiveCredential,
): Promise<Count & { clientPerCheck: number }> {
  let checks = 0;
  let unavailable = 0;
  let exchanges = 0;
  const m = machinery({
    plainHttpHosts: [registry.host],
    settings: { checkInterval: intervalMs },
    secrets: credential ? pullSecretSource(registry.host, credential.username, credential.password) : undefined,
    onExchange: () => exchanges++,
    onChecked: (_unit, record) => {
      checks++;
      if (record.status !== 'available') unavailable++;
    },
  });
  const index = new ImageIndex(new ImageFilter([]), { unitAdded: (unit) => m.scheduler.add(unit), unitRemoved: (key) => m.scheduler.remove(key) });
  try {
    images.forEach((image, i) => {
      const input = workload(i, image);
      if (credential) input.podSpec.imagePullSecrets = [{ name: 'regcred' }];
      index.upsertWorkload(input);
    });
    // The first round learns the scheme, the challenge and the tokens: not steady state.
    await waitFor(() => checks >= images.length && m.scheduler.inFlight === 0, 'the first round');
    await registry.resetRequests();
    const checksBefore = checks;
    const exchangesBefore = exchanges;
    await waitFor(() => checks >= checksBefore + rounds * images.length, 'the steady-state rounds');
    m.scheduler.stop();
    await waitFor(() => m.scheduler.inFlight === 0, 'checks in flight');
    const steadyChecks = checks - checksBefore;
    const requests = (await registry.requests()).filter((request) => request.userAgent === EXPORTER_USER_AGENT).length + registry.tokenRequests().length;
    return {
      perCheck: requests / steadyChecks,
      clientPerCheck: (exchanges - exchangesBefore) / steadyChecks,
      checks: steadyChecks,
      unavailable,
    };
  } finally {
    await m.close();
  }
}

async function naiveRequestsPerCheck(registry: TestRegistry, images: string[], rounds: number, credential: NaiveCredential): Promise<Count> {
  const naive = new NaiveClient(credential);
  let unavailable = 0;
  try {
    for (const image of images) await naive.check(image);
    await registry.resetRequests();
    for (let round = 0; round < rounds; round++) {
      for (const image of images) if ((await naive.check(image)) !== 200) unavailable++;
    }
    const requests = (await registry.requests()).filter((request) => request.userAgent === NAIVE_USER_AGENT).length + registry.tokenRequests().length;
    const checks = rounds * images.length;
    return { perCheck: requests / checks, checks, unavailable };
  } finally {
    await naive.close();
  }
}
