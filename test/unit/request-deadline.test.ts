import { getEventListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { RequestDeadline } from '../../src/registry/transport/request-deadline.js';

test('the time limit passes → the signal fires with a TimeoutError, and the deadline says it expired', async () => {
  const deadline = new RequestDeadline(20, new AbortController().signal);
  await sleep(60);
  expect(deadline.signal.aborted).toBe(true);
  expect(deadline.expired).toBe(true);
  expect((deadline.reason as Error).name).toBe('TimeoutError');
  deadline.end();
});

test('the exporter stops first → the signal fires with the stop reason, not as expired', () => {
  const stopping = new AbortController();
  const deadline = new RequestDeadline(60_000, stopping.signal);
  stopping.abort(new Error('stopping'));
  expect(deadline.signal.aborted).toBe(true);
  expect(deadline.expired).toBe(false);
  expect((deadline.reason as Error).message).toBe('stopping');
  deadline.end();
});

test('already stopped → the signal is aborted from the start', () => {
  const stopping = new AbortController();
  stopping.abort();
  const deadline = new RequestDeadline(60_000, stopping.signal);
  expect(deadline.signal.aborted).toBe(true);
  deadline.end();
});

test('end() → neither the timer nor the stop fires it later', async () => {
  const stopping = new AbortController();
  const deadlines = Array.from({ length: 100 }, () => new RequestDeadline(20, stopping.signal));
  for (const deadline of deadlines) deadline.end();
  await sleep(60);
  stopping.abort();
  expect(deadlines.filter((deadline) => deadline.signal.aborted)).toEqual([]);
});

test('a thousand requests in flight → one listener on the stop signal, no MaxListenersExceededWarning, and the stop reaches every one', async () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  process.on('warning', onWarning);
  try {
    const stopping = new AbortController();
    const deadlines = Array.from({ length: 1000 }, () => new RequestDeadline(60_000, stopping.signal));
    expect(getEventListeners(stopping.signal, 'abort')).toHaveLength(1);
    await sleep(10);
    expect(warnings.map((warning) => warning.name)).toEqual([]);
    deadlines[0].end();
    stopping.abort(new Error('stopping'));
    expect(deadlines.filter((deadline) => deadline.signal.aborted)).toHaveLength(999);
    for (const deadline of deadlines) deadline.end();
  } finally {
    process.off('warning', onWarning);
  }
});
