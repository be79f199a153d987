// stdout is a pipe that nobody reads (a stalled log collector): the built logger must not block
// the event loop. A child process logs steadily through the exporter's logger (dist/src/log/log.js)
// and answers /healthz and SIGTERM as the exporter does; this test never reads its stdout, then
// reads it, then stops reading again and sends SIGTERM.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const logModule = new URL('../../dist/src/log/log.js', import.meta.url).href;

/** About 3 MB of log lines a second: a 64 KiB pipe is full within a few milliseconds. */
const CHILD = `
import { createServer } from 'node:http';
import * as logging from ${JSON.stringify(logModule)};
const log = logging.createLogger('info');
setInterval(() => { for (let i = 0; i < 50; i++) log.warn({ image: 'registry.example/app:v' + i, reason: 'x'.repeat(200) }, 'image check'); }, 5);
const server = createServer((request, response) => response.end(request.url === '/dropped' ? String(logging.droppedLogLines?.(log)) : 'ok\\n'));
server.listen(0, '127.0.0.1', () => process.stderr.write('port ' + server.address().port + '\\n'));
process.on('SIGTERM', () => { log.info('shutting down'); process.exit(0); });
`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('logging to a pipe nobody reads (built logger, child process)', () => {
  let child: ChildProcessByStdio<null, Readable, Readable>;
  let url = '';

  beforeAll(async () => {
    if (!existsSync(fileURLToPath(logModule))) throw new Error(`${logModule} is missing: run npm run build first (make test does)`);
    child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], { stdio: ['ignore', 'pipe', 'pipe'] });
    // Paused with no reader: the pipe fills and stays full.
    child.stdout.pause();
    let stderr = '';
    const port = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
        const match = /port (\d+)/.exec(stderr);
        if (match) resolve(match[1]);
      });
      child.once('exit', () => reject(new Error(`child exited early:\n${stderr}`)));
    });
    url = `http://127.0.0.1:${port}`;
  });

  afterAll(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    child.stdout.destroy();
    child.stderr.destroy();
  });

  test('/healthz answers within a second for 8 s, lines are dropped and counted, and once read one line says how many', async () => {
    for (let i = 0; i < 16; i++) {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      expect(response.status).toBe(200);
      await sleep(500);
    }
    const dropped = Number(await (await fetch(`${url}/dropped`, { signal: AbortSignal.timeout(1000) })).text());
    expect(dropped).toBeGreaterThan(1000);

    let output = '';
    const reader = (chunk: Buffer) => (output += chunk.toString());
    child.stdout.on('data', reader);
    child.stdout.resume();
    const deadline = Date.now() + 10_000;
    while (!/log lines were dropped/.test(output) && Date.now() < deadline) await sleep(100);
    const notice = output.split('\n').find((line) => line.includes('log lines were dropped'));
    expect(notice).toBeDefined();
    const parsed = JSON.parse(notice!) as { level: string; dropped: number; msg: string };
    expect(parsed.level).toBe('warn');
    expect(parsed.dropped).toBeGreaterThan(1000);
    expect(parsed.msg).toContain('is the log collector stalled?');
    expect(parsed.msg).toContain('k8s_image_availability_exporter_log_lines_dropped_total');
    child.stdout.off('data', reader);
    child.stdout.pause();
  }, 40_000);

  test('SIGTERM is handled within 2 s while the pipe is full', async () => {
    await sleep(1000);
    const started = Date.now();
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(() => resolve('still running'), 2000)))]);
    clearTimeout(timer);
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(2000);
  }, 10_000);
});
