// SIGTERM while a registry request hangs: the built CLI exits within 2 s whatever the request time
// limit, with its final log line, and also when its stdout (the log pipe) is gone. Real API
// server; the registry is a TCP server that accepts and never answers (nothing real hangs on demand).
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { RegistryClient } from '../../src/registry/client.js';
import { parseReference } from '../../src/registry/references/reference.js';
import { startApiServer, type ApiServer } from '../support/apiserver.js';

const cli = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));
const NS = 'hang';

describe('shutdown with a registry that never answers', () => {
  let api: ApiServer;
  let hung: Server;
  let hungHost: string;
  const sockets = new Set<Socket>();
  let children: Array<ChildProcessByStdio<null, Readable, Readable>> = [];

  beforeAll(async () => {
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first (make test does)`);
    hung = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    hungHost = `127.0.0.1:${(hung.address() as { port: number }).port}`;
    api = await startApiServer();
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    await kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });
    await kc.makeApiClient(k8s.AppsV1Api).createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name: 'app' },
        spec: { selector: { matchLabels: { app: 'app' } }, template: { metadata: { labels: { app: 'app' } }, spec: { containers: [{ name: 'app', image: `${hungHost}/team/app:v1` }] } } },
      },
    });
  }, 240_000);

  afterEach(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    children = [];
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => hung.close(resolve));
    await api?.stop();
  });

  /** Starts the CLI and waits until its check of the hung registry is in flight. */
  async function startWithCheckInFlight() {
    const connectionsBefore = sockets.size;
    const child = spawn(process.execPath, [cli, '--bind-address=127.0.0.1:0', `--kubeconfig=${api.kubeconfigPath}`, '--registry-request-timeout=60s'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.on('exit', (code) => resolve({ code, at: Date.now() })));
    const deadline = Date.now() + 30_000;
    while (sockets.size <= connectionsBefore && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    expect(sockets.size).toBeGreaterThan(connectionsBefore);
    return { child, exited, output: () => ({ stdout, stderr }) };
  }

  test('client closed while a request hangs (60 s time limit) → the check ends at once as cancelled', async () => {
    const client = new RegistryClient({ requestTimeoutMs: 60_000, caFiles: [], insecureSkipVerifyHosts: [], plainHttpHosts: [], connectionsPerOrigin: 1, userAgent: 't' });
    const connectionsBefore = sockets.size;
    const check = client.check(parseReference(`${hungHost}/team/app:v1`), []);
    while (sockets.size <= connectionsBefore) await new Promise((r) => setTimeout(r, 20));
    const closedAt = Date.now();
    await client.close();
    const result = await check;
    expect(Date.now() - closedAt).toBeLessThan(500);
    expect(result).toMatchObject({ status: 'registry_unavailable', failure: 'stopping' });
  });

  test('SIGTERM with --registry-request-timeout=60s and a request hanging → exit 0 within 2 s, last line "exporter stopped"', async () => {
    const { child, exited, output } = await startWithCheckInFlight();
    const sent = Date.now();
    child.kill('SIGTERM');
    const { code, at } = await exited;
    expect(at - sent).toBeLessThan(2000);
    expect(code).toBe(0);
    const lines = output().stdout.trim().split('\n');
    expect(JSON.parse(lines[lines.length - 1])).toMatchObject({ level: 'info', msg: 'exporter stopped' });
    // The aborted check is no result: nothing about the hung registry was logged as a status.
    expect(output().stdout).not.toContain('image check');
    expect(output().stderr).toBe('');
  }, 60_000);

  test('stdout closed (broken log pipe), then SIGTERM → exit 0 within 2 s, no crash', async () => {
    const { child, exited, output } = await startWithCheckInFlight();
    child.stdout.destroy();
    // Something to log into the broken pipe before the signal.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const sent = Date.now();
    child.kill('SIGTERM');
    const { code, at } = await exited;
    expect(at - sent).toBeLessThan(2000);
    expect(code).toBe(0);
    expect(output().stderr).toBe('');
  }, 60_000);
});
