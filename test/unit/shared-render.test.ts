import { SharedRender } from '../../src/http/shared-render.js';

/** `renderMs`: how long each render takes on the injected clock. */
function counter(renderMs = 0) {
  let clock = 0;
  let renders = 0;
  let version = 0;
  const shared = new SharedRender(
    async () => {
      clock += renderMs;
      return `body ${++renders}`;
    },
    { keepUnchangedMs: 1000, now: () => clock, version: () => version },
  );
  return { shared, advance: (ms: number) => (clock += ms), change: () => version++ };
}

describe('shared rendering', () => {
  test('requests arriving during a render share it', async () => {
    const { shared } = counter();
    const leases = await Promise.all(Array.from({ length: 16 }, () => shared.acquire()));
    expect(new Set(leases.map((lease) => lease.value))).toEqual(new Set(['body 1']));
    expect(shared.renders).toBe(1);
  });

  test('within the freshness window → the same body; after it → a new one', async () => {
    const { shared, advance } = counter();
    (await shared.acquire()).release();
    advance(999);
    expect((await shared.acquire()).value).toBe('body 1');
    advance(1);
    expect((await shared.acquire()).value).toBe('body 2');
  });

  test('what it shows changed (a new result, a workload) → the next request renders at once, inside the window', async () => {
    const { shared, advance, change } = counter();
    (await shared.acquire()).release();
    advance(10);
    change();
    expect((await shared.acquire()).value).toBe('body 2');
    advance(10);
    expect((await shared.acquire()).value).toBe('body 2');
  });

  test('changes without pause → renders stay at least one render apart (at most half the time spent rendering)', async () => {
    const { shared, advance, change } = counter(300);
    (await shared.acquire()).release();
    change();
    advance(299);
    expect((await shared.acquire()).value).toBe('body 1');
    advance(1);
    expect((await shared.acquire()).value).toBe('body 2');
  });

  test('a change during a render → that render is not taken for the changed content', async () => {
    let version = 0;
    let clock = 0;
    const shared = new SharedRender(
      () => {
        version++; // the content changes while this render reads it
        return `body ${version}`;
      },
      { keepUnchangedMs: 1000, now: () => clock, version: () => version },
    );
    (await shared.acquire()).release();
    clock += 1;
    expect((await shared.acquire()).value).toBe('body 2');
  });

  test('while a replaced body is still held (a client not reading) → newcomers get the current one, no third body', async () => {
    const { shared, advance } = counter();
    const slow = await shared.acquire();
    advance(1000);
    const second = await shared.acquire();
    second.release();
    expect(second.value).toBe('body 2');
    advance(5000);
    expect((await shared.acquire()).value).toBe('body 2');
    expect(shared.alive).toBe(2);
    slow.release();
    expect(shared.alive).toBe(1);
    expect((await shared.acquire()).value).toBe('body 3');
  });

  test('a failed render is not kept: the next request renders again', async () => {
    let fail = true;
    const shared = new SharedRender(() => {
      if (fail) throw new Error('render failed');
      return 'ok';
    }, { keepUnchangedMs: 1000 });
    await expect(shared.acquire()).rejects.toThrow('render failed');
    fail = false;
    expect((await shared.acquire()).value).toBe('ok');
  });
});
