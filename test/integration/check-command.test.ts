// `check -f manifests.yaml` against the real registry: the CI gate before a deployment.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { CheckRow } from '../../src/check/command.js';
import { runCheck } from '../support/check-run.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const cli = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));

describe('check command', () => {
  let open: TestRegistry;
  let locked: TestRegistry;
  let dir: string;
  let manifests: string;

  beforeAll(async () => {
    [open, locked] = await Promise.all([startRegistry({ auth: 'none' }), startRegistry({ auth: 'htpasswd', users: { ci: 'ci-password-xyz' } })]);
    await open.pushImage('team/web', 'v1');
    await open.pushImage('team/init', 'v1');
    await locked.pushImage('private/app', 'v1');
    dir = mkdtempSync(join(tmpdir(), 'iae-check-'));
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { template: { spec: { initContainers: [{ name: 'init', image: `${open.host}/team/init:v1` }], containers: [{ name: 'web', image: `${open.host}/team/web:v1` }] } } },
    };
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug' }, spec: { containers: [{ name: 'c', image: `${open.host}/team/web:v404` }] } },
        { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate' }, spec: { template: { spec: { containers: [{ name: 'm', image: `${locked.host}/private/app:v1` }] } } } },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ignored' }, data: { image: 'not/an/image' } },
      ],
    };
    manifests = `${stringify(deployment)}---\n${stringify(list)}`;
  });
  afterAll(() => Promise.all([open?.stop(), locked?.stop()]));

  const run = (args: string[], stdin = manifests) => runCheck(args, stdin, { HOME: dir });


  const settings = () => [`--allow-plain-http=${open.host},${locked.host}`];

  test('table of every image, exit 1 when one is not available', async () => {
    const { code, out } = await run(['-f', '-', ...settings()]);
    expect(code).toBe(1);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^STATUS\s+IMAGE\s+USED BY\s+REASON$/);
    expect(lines).toHaveLength(5);
    expect(out).toMatch(new RegExp(`available\\s+${open.host}/team/web:v1\\s+Deployment/shop/web \\(web\\)`));
    expect(out).toMatch(new RegExp(`absent\\s+${open.host}/team/web:v404\\s+Pod/debug \\(c\\)\\s+tag v404 is not in ${open.host}/team/web, the repository exists \\(404\\)`));
    expect(out).toMatch(new RegExp(`authentication_failure\\s+${locked.host}/private/app:v1\\s+Job/migrate`));
    expect(out).toContain(`${open.host}/team/init:v1`);
  });

  test('--pull-secret supplies credentials; --output json', async () => {
    const secretFile = join(dir, 'regcred.yaml');
    const config = { auths: { [locked.host]: { auth: Buffer.from('ci:ci-password-xyz').toString('base64') } } };
    writeFileSync(secretFile, stringify({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/dockerconfigjson', metadata: { name: 'regcred' }, data: { '.dockerconfigjson': Buffer.from(JSON.stringify(config)).toString('base64') } }));
    const manifestFile = join(dir, 'manifests.yaml');
    writeFileSync(manifestFile, manifests);
    const { code, out, err } = await run(['-f', manifestFile, '--output=json', `--pull-secret=${secretFile}`, ...settings()]);
    const rows = JSON.parse(out) as CheckRow[];
    expect(rows.find((row) => row.image.endsWith('private/app:v1'))?.status).toBe('available');
    expect(rows.filter((row) => row.status !== 'available').map((row) => row.image)).toEqual([`${open.host}/team/web:v404`]);
    expect(code).toBe(1);
    expect(`${out}${err}`).not.toContain('ci-password-xyz');
  });

  test('all available → exit 0; ignored images are left out', async () => {
    const { code, out } = await run(['-f', '-', ...settings(), `--ignored-images=${open.host}/team/web:v404,${locked.host}/*`]);
    expect(code).toBe(0);
    expect(out).not.toContain('v404');
  });

  test('bad input: a clear usage error', async () => {
    await expect(run([])).rejects.toThrow('no manifests');
    await expect(run(['-f', '-', '--output=xml'])).rejects.toThrow('--output must be table or json');
    await expect(run(['-f', '-'], 'a: [unclosed')).rejects.toThrow(/stdin: document 1/);
  });

  test('the built CLI reads stdin, as in `helm template … | … check -f -`', async () => {
    const child = spawn(process.execPath, [cli, 'check', '-f', '-', ...settings()], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, HOME: dir } });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stdin.end(manifests);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(out).toContain('absent');
  });
});
