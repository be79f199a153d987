// Pull secrets are bounded in bytes: per secret, per workload and in all. A workload over a bound
// gets unknown_error with a reason that says what to do; in all, the largest secrets give way.
// The secrets come from an in-memory reader; test/integration/pull-secret-bytes.test.ts reads
// them from a real API server with the built exporter under the chart's heap limit.
import type * as k8s from '@kubernetes/client-node';
import { imageChecker } from '../../src/checks/image-checker.js';
import { unitFor } from '../../src/index/image-index.js';
import { AnswerTooLargeError } from '../../src/kube/kube-api.js';
import { PullSecrets, type ReadSecret } from '../../src/kube/pull-secrets.js';
import { SecretBudget } from '../../src/kube/secret-budget.js';
import { createLogger } from '../../src/log/log.js';
import { parseReference } from '../../src/registry/references/reference.js';
import { Writable } from 'node:stream';

const KiB = 1024;

/** A dockerconfigjson Secret for r.example whose data is about `bytes` long. */
function secretOf(bytes: number): k8s.V1Secret {
  const password = 'p'.repeat(Math.max(1, Math.floor((bytes * 3) / 4 / (4 / 3)) - 60));
  const config = JSON.stringify({ auths: { 'r.example': { auth: Buffer.from(`user:${password}`).toString('base64') } } });
  return { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from(config).toString('base64') } };
}

function setup(sizes: Record<string, number>, options: ConstructorParameters<typeof PullSecrets>[2] = {}) {
  const lines: string[] = [];
  const log = createLogger('info', new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }));
  const read: ReadSecret = async (namespace, name, _timeoutMs, maxBytes) => {
    const size = sizes[`${namespace}/${name}`];
    if (size === undefined) throw Object.assign(new Error('not found'), { code: 404 });
    // As the API server's answer is read: not to its end once over the limit.
    if (size > maxBytes * 1.5) throw new AnswerTooLargeError('too large');
    return secretOf(size);
  };
  return { secrets: new PullSecrets(read, log, { ttlMs: 0, ...options }), lines };
}

test('a secret over 256 KiB (per secret): unknown_error naming the secret and the bound, never read to its end when far over', async () => {
  const { secrets, lines } = setup({ 'a/big': 300 * KiB, 'a/huge': 1100 * KiB, 'a/small': 2 * KiB });
  const answer = await secrets.keyring('a', ['small', 'big']);
  expect(answer.kind).toBe('overLimit');
  expect((answer as { reason: string }).reason).toMatch(/pull secret a\/big is \d+ KiB, over the 256 KiB the exporter reads per secret; .*: keep one entry per registry in a pull secret, or name fewer secrets$/);
  const huge = await secrets.keyring('a', ['huge']);
  expect((huge as { reason: string }).reason).toContain('pull secret a/huge is larger than that, over the 256 KiB the exporter reads per secret');
  expect(lines.filter((line) => line.includes('pull secret too large to read'))).toHaveLength(2);

  const check = imageChecker({ check: async () => ({ status: 'available', message: 'ok' }) }, secrets);
  const result = await check(unitFor(parseReference('r.example/app:1'), 'a', ['big'], undefined));
  expect(result.status).toBe('unknown_error');
  expect(result.inconclusive).toBeUndefined();
  expect(result.message).toContain('over the 256 KiB the exporter reads per secret');
  expect((await secrets.keyring('a', ['small'])).kind).toBe('keyring');
});

test('secrets under the per-secret bound that add up to over 1 MiB for one workload: unknown_error', async () => {
  const sizes = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`a/s${i}`, 240 * KiB]));
  const { secrets } = setup(sizes);
  const answer = await secrets.keyring('a', ['s0', 's1', 's2', 's3', 's4']);
  expect(answer.kind).toBe('overLimit');
  expect((answer as { reason: string }).reason).toMatch(/^the 5 pull secrets of the workload take 1\.\d MiB together, over the 1\.0 MiB the exporter uses per workload/);
  expect((await secrets.keyring('a', ['s0', 's1', 's2'])).kind).toBe('keyring');
});

test('in all: a newer secret no larger than those held is refused; a small one makes room by pushing the largest out', async () => {
  const { secrets, lines } = setup({ 'a/s0': 200 * KiB, 'a/s1': 200 * KiB, 'a/s2': 200 * KiB, 'b/s3': 200 * KiB, 'c/small': 30 * KiB }, { maxTotalBytes: 620 * KiB, ttlMs: 60_000 });
  for (const name of ['s0', 's1', 's2']) expect((await secrets.keyring('a', [name])).kind).toBe('keyring');
  const refused = await secrets.keyring('b', ['s3']);
  expect(refused.kind).toBe('overLimit');
  expect((refused as { reason: string }).reason).toMatch(/pull secret b\/s3 \(\d+ KiB\) did not fit in the 620 KiB the exporter holds for all pull secrets, larger ones first/);

  expect((await secrets.keyring('c', ['small'])).kind).toBe('keyring');
  const pushedOut = await Promise.all(['s0', 's1', 's2'].map((name) => secrets.keyring('a', [name])));
  // Read once a minute: the one pushed out stays out until its next read.
  expect(pushedOut.filter((answer) => answer.kind === 'overLimit')).toHaveLength(1);
  expect((pushedOut.find((answer) => answer.kind === 'overLimit') as { reason: string }).reason).toMatch(/pull secret a\/s\d \(\d+ KiB\) did not fit/);
  expect(lines.filter((line) => line.includes('pull secrets take more memory than the exporter holds for them'))).toHaveLength(2);
});

test('the budget gives up only larger secrets, largest first, and refuses the newcomer otherwise', () => {
  const budget = new SecretBudget(100);
  expect(budget.admit('a', 50)).toEqual([]);
  expect(budget.admit('b', 30)).toEqual([]);
  expect(budget.admit('c', 30)).toEqual(['a']);
  expect(budget.heldBytes).toBe(60);
  expect(budget.admit('d', 30)).toEqual([]);
  expect(budget.admit('e', 30)).toBeUndefined();
  expect(budget.admit('f', 101)).toBeUndefined();
  budget.release('b');
  expect(budget.heldBytes).toBe(60);
});
