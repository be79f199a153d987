// The generated rows of the differential suite: one per seed, each pulling seeds/<n>/app through
// the generated registry (seeded-registry.ts) as its plan says. How many: ORACLE_SEEDS (default
// CI_SEEDS) from ORACLE_SEED_FROM (default 1); `npm run oracle:seeds -- --seeds 500 --from 1000`
// runs a longer range.
import { pushManifest } from '../support/image-push.js';
import { buildImage } from '../support/image-content.js';
import type { Bed } from './bed.js';
import { SEED_USER } from './seeded-registry.js';
import { describePlan, planFor } from './seed-plan.js';
import { dockerConfigJson, type Scenario } from './scenario-types.js';

export const CI_SEEDS = 40;
/** A bound on a developer's run, so a typo cannot start a million pods. */
const MAX_SEEDS = 5000;

export function seedRange(env: NodeJS.ProcessEnv = process.env): { from: number; count: number } {
  const count = Number(env.ORACLE_SEEDS ?? CI_SEEDS);
  const from = Number(env.ORACLE_SEED_FROM ?? 1);
  if (!Number.isInteger(count) || count < 0 || count > MAX_SEEDS) throw new Error(`ORACLE_SEEDS must be a whole number from 0 to ${MAX_SEEDS}, not "${env.ORACLE_SEEDS}"`);
  if (!Number.isInteger(from) || from < 0 || from > 2 ** 31) throw new Error(`ORACLE_SEED_FROM must be a whole number from 0 to 2^31, not "${env.ORACLE_SEED_FROM}"`);
  return { from, count };
}

function seedRow(seed: number): Scenario {
  const plan = planFor(seed);
  return {
    id: `seed-${seed}`,
    category: 'failure',
    what: describePlan(plan),
    // Unknown before the node pulls: the node's outcome is the truth here, not a row's expectation.
    kubelet: 'pulled',
    generated: true,
    on: 'distribution-2.8',
    setup: async (bed: Bed) => {
      const repo = `seeds/${seed}/app`;
      const image = buildImage(plan.format, { os: 'linux', architecture: 'amd64' });
      const digest = await pushManifest(bed.content['distribution-2.8'].push, repo, 'v1', image.manifest, image.blobs);
      const host = await bed.seeded.start(plan, image.blobs[0].digest);
      const reference = plan.reference === 'digest' ? `@${digest}` : plan.reference === 'missing-tag' ? ':v2' : ':v1';
      const login = plan.secret === 'none' ? undefined : plan.secret === 'right' ? SEED_USER : { user: SEED_USER.user, password: 'not-the-password' };
      return { image: `${host}/${repo}${reference}`, ...(login && { secrets: [dockerConfigJson('s', { [host]: login })], pullSecrets: ['s'] }) };
    },
  };
}

export function seedScenarios(env: NodeJS.ProcessEnv = process.env): Scenario[] {
  const { from, count } = seedRange(env);
  return Array.from({ length: count }, (_, index) => seedRow(from + index));
}
