// Writes a body a chunk at a time, waiting for the socket to drain in between (backpressure), and
// closes the response when the client stops reading: no drain for `idleMs`. A client that never
// reads would otherwise keep its body in our memory for as long as it likes. A plain socket
// timeout is not used because it also fires for a reading client after the event loop was busy
// (a render): timers run before the I/O that proves progress.
import type { ServerResponse } from 'node:http';

/**
 * `aheadBytes`: how much may wait in the socket's queue before waiting for the client, for chunks
 * that stay in memory anyway (a shared body): queued, they cost no copy, and a scrape of a
 * megabyte waits for the socket a few times instead of once per chunk (each wait is a promise,
 * a timer and listeners that V8 has to collect).
 */
export async function writeBody(response: ServerResponse, chunks: Iterable<Buffer> | AsyncIterable<Buffer>, idleMs: number, aheadBytes = 0): Promise<void> {
  for await (const chunk of chunks) {
    if (response.destroyed) return;
    if (!response.write(chunk) && response.writableLength >= aheadBytes && !(await drained(response, idleMs))) return cutOff(response);
  }
  // What was written ahead is still owed to the client: it gets the same idle timeout.
  if (response.writableNeedDrain && !(await drained(response, idleMs))) return cutOff(response);
  response.end();
}

function cutOff(response: ServerResponse): void {
  // A reset, not a close: the kernel drops what is still queued for the client at once.
  response.socket?.resetAndDestroy();
  response.destroy();
}

/**
 * True once the response drained, false when it stalled for `idleMs` or was closed. The verdict
 * waits for one pass over pending I/O (setImmediate runs after it), and a timer that fired late
 * (the loop was busy, so the client's progress may not have been seen) starts another round.
 */
function drained(response: ServerResponse, idleMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let dueAt = performance.now() + idleMs;
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      response.off('drain', onDrain);
      response.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => finish(true);
    const onClose = () => finish(false);
    const expire = () => {
      const now = performance.now();
      if (now - dueAt > idleMs / 10) {
        dueAt = now + idleMs;
        timer = setTimeout(expire, idleMs);
        return;
      }
      setImmediate(() => finish(false));
    };
    timer = setTimeout(expire, idleMs);
    response.once('drain', onDrain);
    response.once('close', onClose);
  });
}
