// A log sink for tests: every JSON line the logger writes, kept in order to be searched.
import { Writable } from 'node:stream';

export function capturedLogs(): { logs: string[]; sink: Writable } {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { logs, sink };
}
