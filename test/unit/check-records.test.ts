// The record a recheck leaves (src/checks/check-records.ts): the previous one with new times when
// the outcome is the same, a new one whenever anything a reader shows differs.
import { recheckedRecord } from '../../src/checks/check-records.js';
import type { CheckRecord } from '../../src/checks/results.js';
import type { CheckResult } from '../../src/registry/client.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

function previousRecord(): CheckRecord {
  return { status: 'available', message: 'the manifest is there', registry: 'r.example', checkedAt: 1000, durationMs: 5, consecutiveFailures: 0, digest: DIGEST, platforms: ['linux/amd64', 'linux/arm64'] };
}

const same: CheckResult = { status: 'available', message: 'the manifest is there', digest: DIGEST, platforms: ['linux/amd64', 'linux/arm64'] };

describe('recheckedRecord', () => {
  test('the same outcome → the previous record, its times those of this check', () => {
    const previous = previousRecord();
    const record = recheckedRecord(previous, { ...same, platforms: [...same.platforms!] }, 'r.example', 2000, 2030, 0);
    expect(record).toBe(previous);
    expect(record).toMatchObject({ checkedAt: 2030, durationMs: 30, consecutiveFailures: 0, status: 'available', digest: DIGEST });
  });

  test.each<[string, Partial<CheckResult>, string]>([
    ['another status', { status: 'absent' }, 'r.example'],
    ['another reason', { message: 'another reason' }, 'r.example'],
    ['another digest', { digest: `sha256:${'b'.repeat(64)}` }, 'r.example'],
    ['other platforms', { platforms: ['linux/amd64'] }, 'r.example'],
    ['no platforms', { platforms: undefined }, 'r.example'],
    ['a failure class', { failure: 'credentials-missing' as CheckResult['failure'] }, 'r.example'],
    ['another registry', {}, 'other.example'],
  ])('%s → a new record; the previous one unchanged', (_what, change, registry) => {
    const previous = previousRecord();
    const record = recheckedRecord(previous, { ...same, ...change }, registry, 2000, 2030, 0);
    expect(record).not.toBe(previous);
    expect(record.checkedAt).toBe(2030);
    expect(previous.checkedAt).toBe(1000);
  });

  test('a failure counted, now or before → a new record with its count', () => {
    const failing: CheckRecord = { ...previousRecord(), status: 'registry_unavailable', message: 'down', consecutiveFailures: 2 };
    const again = recheckedRecord(failing, { status: 'registry_unavailable', message: 'down' }, 'r.example', 2000, 2030, 3);
    expect(again).not.toBe(failing);
    expect(again.consecutiveFailures).toBe(3);
    expect(failing.consecutiveFailures).toBe(2);
  });

  test('no previous record → a new one', () => {
    expect(recheckedRecord(undefined, same, 'r.example', 2000, 2030, 0)).toMatchObject({ status: 'available', checkedAt: 2030, registry: 'r.example' });
  });
});
