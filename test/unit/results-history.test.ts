import { CheckResults, HISTORY_LENGTH, type CheckRecord } from '../../src/checks/results.js';
import type { Status } from '../../src/status.js';

const record = (status: Status, checkedAt: number): CheckRecord => ({ status, message: '', registry: 'r.example', checkedAt, durationMs: 1, consecutiveFailures: 0 });

describe('status history per unit', () => {
  test('since = the last status change, not the last check; last available kept while failing', () => {
    const results = new CheckResults();
    results.set('u', record('available', 1000));
    results.set('u', record('available', 2000));
    results.set('u', record('absent', 3000));
    results.set('u', record('absent', 4000));
    expect(results.history('u')).toEqual({ since: 3000, lastAvailableAt: 2000, changes: [{ status: 'available', at: 1000 }, { status: 'absent', at: 3000 }] });
  });

  test(`flapping keeps only the last ${HISTORY_LENGTH} changes; a removed unit forgets its history`, () => {
    const results = new CheckResults();
    for (let i = 0; i < 100; i++) results.set('u', record(i % 2 ? 'registry_unavailable' : 'available', i));
    expect(results.history('u')?.changes).toHaveLength(HISTORY_LENGTH);
    expect(results.history('u')?.changes.at(-1)).toEqual({ status: 'registry_unavailable', at: 99 });
    results.delete('u');
    expect(results.history('u')).toBeUndefined();
  });
});
