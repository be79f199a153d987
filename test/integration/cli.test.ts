// The built JavaScript, as the container image runs it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));

describe('built CLI', () => {
  beforeAll(() => {
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first (make test does)`);
  });

  test('--help lists every flag and exits 0', () => {
    const run = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    for (const flag of ['--bind-address', '--check-interval', '--ignored-images']) expect(run.stdout).toContain(flag);
  });

  test('an unusable kubeconfig is one clear line, exit 1', () => {
    const run = spawnSync(process.execPath, [cli, '--kubeconfig=/dev/null'], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^fatal: cannot load kubeconfig from \/dev\/null: [^\n]+\n$/);
  });

  test('a bad environment variable exits 2 with one line naming the variable and its value', () => {
    const run = spawnSync(process.execPath, [cli], { encoding: 'utf8', env: { ...process.env, IAE_CHECK_INTERVAL: '5' } });
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('invalid settings: checkInterval: must be a Go duration such as 30s, 5m or 1h30m (got "5" from environment variable IAE_CHECK_INTERVAL)\n');
  });

  test('a concurrency of 0 would stop all checks: refused with one line naming the flag', () => {
    const run = spawnSync(process.execPath, [cli, '--registry-concurrency=0'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('invalid settings: registryConcurrency: must be at least 1, a lower value would stop or flood the checks (got "0" from flag --registry-concurrency)\n');
  });

  test.each([
    [['chek', '-f', 'x.yaml'], 'unexpected argument "chek"'],
    [['--allow-plain-http', 'a', 'b'], 'unexpected argument "b"'],
    [['-v=2'], 'unknown flag -v'],
    [['-ignored-images'], 'flag --ignored-images needs a value'],
    [['--capath=/nonexistent/ca.pem'], 'caFiles: cannot read /nonexistent/ca.pem: no such file'],
  ])('%j is refused with one line and exit 2 before the exporter starts', (args, start) => {
    // A kubeconfig that cannot load: had the arguments been accepted, the exit would be 1 with its error.
    const run = spawnSync(process.execPath, [cli, ...args, '--kubeconfig=/dev/null'], { encoding: 'utf8', timeout: 10_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^invalid settings: ${start.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}[^\n]*\n$`));
    expect(run.stdout).toBe('');
  });

  test('SIGTERM stops it cleanly', async () => {
    const { spawn } = await import('node:child_process');
    // An API server that is not there: the exporter must start anyway and keep retrying.
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'iae-cli-')), 'kubeconfig');
    writeFileSync(kubeconfig, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'c',
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }],
      users: [{ name: 'u', user: { token: 'x' } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
    }));
    const child = spawn(process.execPath, [cli, '--bind-address=127.0.0.1:0', `--kubeconfig=${kubeconfig}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    try {
      const deadline = Date.now() + 20_000;
      while (!output.includes('exporter started') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
      expect(output).toContain('exporter started');
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toContain('exporter stopped');
    } finally {
      // A failed expectation must not leave the exporter running.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 30_000);
});
