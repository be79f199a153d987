import { ExpiringCache } from '../../src/registry/expiring-cache.js';

describe('ExpiringCache', () => {
  test('a value fetched for several keys serves each of them until it is due for renewal', async () => {
    let now = 0;
    const cache = new ExpiringCache<string>(30_000, () => now);
    const value = await cache.getOrFetch('a', async () => ({ value: 'token', expiresAt: 10_000, alsoFor: ['b', 'c'] }));
    expect(value).toBe('token');
    expect(['a', 'b', 'c'].map((key) => cache.get(key))).toEqual(['token', 'token', 'token']);
    expect(cache.needsFetch('d')).toBe(true);
    now = 8_999; // renewed a tenth of its 10 s life early
    expect(cache.needsFetch('b')).toBe(false);
    now = 9_000;
    expect(cache.needsFetch('b')).toBe(true);
  });

  test('the renewal margin is capped', async () => {
    let now = 0;
    const cache = new ExpiringCache<string>(30_000, () => now);
    await cache.getOrFetch('k', async () => ({ value: 'v', expiresAt: 3_600_000 }));
    now = 3_600_000 - 30_001;
    expect(cache.get('k')).toBe('v');
    now = 3_600_000 - 30_000;
    expect(cache.get('k')).toBeUndefined();
  });

  test('invalidate drops one key only', async () => {
    const cache = new ExpiringCache<string>(30_000);
    await cache.getOrFetch('a', async () => ({ value: 'v', expiresAt: Date.now() + 600_000, alsoFor: ['b'] }));
    cache.invalidate('a');
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBe('v');
  });
});
