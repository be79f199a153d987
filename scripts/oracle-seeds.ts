// `npm run oracle:seeds -- --seeds 500 --from 1000`: the differential suite's generated run alone,
// over a longer range of seeds than CI's, on the real node (as root). It prints the one-line
// summary and the table of every seed; a disagreement fails it, naming the seed and its plan.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const usage = 'usage: npm run oracle:seeds -- [--seeds N (default 200)] [--from FIRST (default 1)]';

function main(): number {
  let values: { seeds?: string; from?: string };
  try {
    ({ values } = parseArgs({ options: { seeds: { type: 'string' }, from: { type: 'string' } } }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  const seeds = values.seeds ?? '200';
  const from = values.from ?? '1';
  if (!/^\d{1,4}$/.test(seeds) || !/^\d{1,10}$/.test(from)) {
    console.error(`--seeds takes a whole number up to 5000 and --from a whole number, not "${seeds}" and "${from}"\n${usage}`);
    return 2;
  }
  const run = spawnSync(process.execPath, ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js', 'test/oracle/differential.test.ts'], {
    stdio: 'inherit',
    env: { ...process.env, ORACLE_ONLY: 'seeds', ORACLE_SEEDS: seeds, ORACLE_SEED_FROM: from },
  });
  return run.status ?? 1;
}

process.exit(main());
