import { MAX_SCOPE_CHARS, MAX_SCOPES_PER_TOKEN, RecentScopes } from '../../src/registry/auth/recent-scopes.js';

const scope = (i: number) => `repository:team/app${i}:pull`;

describe('RecentScopes', () => {
  test('companions: the group’s other scopes, the longest unused first, only those that need a token', () => {
    const recent = new RecentScopes(60_000);
    for (const i of [1, 2, 3, 4]) recent.used('registry+alice', scope(i));
    recent.used('registry+bob', scope(9));
    recent.used('registry+alice', scope(1)); // used again: now the most recent
    expect(recent.companions('registry+alice', scope(2), (s) => s !== scope(3))).toEqual([scope(4), scope(1)]);
  });

  test('an unknown group has no companions', () => {
    expect(new RecentScopes().companions('nobody', scope(1), () => true)).toEqual([]);
  });

  test('bounded by the scope count and by the characters of the request', () => {
    const recent = new RecentScopes();
    for (let i = 0; i < 500; i++) recent.used('g', scope(i));
    expect(recent.companions('g', scope(0), () => true)).toHaveLength(MAX_SCOPES_PER_TOKEN - 1);
    const long = new RecentScopes();
    const longScope = (i: number) => `repository:${'x'.repeat(200)}/${i}:pull`;
    for (let i = 0; i < 100; i++) long.used('g', longScope(i));
    const chosen = long.companions('g', longScope(0), () => true);
    const chars = [longScope(0), ...chosen].reduce((sum, s) => sum + s.length + '&scope='.length, 0);
    expect(chosen.length).toBeGreaterThan(5);
    expect(chars).toBeLessThanOrEqual(MAX_SCOPE_CHARS + '&scope='.length);
  });
});

test('a scope unused for longer than forgetAfterMs is no companion any more, and is forgotten', () => {
  let now = 0;
  const recent = new RecentScopes(1_000, () => now);
  recent.used('g', scope(1));
  now = 600;
  recent.used('g', scope(2));
  now = 1_200; // scope(1) was last used 1 200 ms ago, scope(2) 600 ms ago
  expect(recent.companions('g', scope(3), () => true)).toEqual([scope(2)]);
  now = 1_700;
  expect(recent.companions('g', scope(3), () => true)).toEqual([]);
});
