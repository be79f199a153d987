// The shipped exporter is one bundled file plus chunks and lazy packages loaded on demand (scripts/bundle.ts): these
// tests build it from the sources as `npm run build` does and look at what went in, and run it.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { builtinModules, SourceMap } from 'node:module';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import { bundleOptions, LAZY_DIRECTORY, LAZY_PACKAGES, lazyFileName } from '../../scripts/bundle.js';
import { stopChild } from '../support/processes.js';
import { repoRoot } from '../support/tools.js';

const run = promisify(execFile);
let outdir: string;
let inputs: string[];
/** Inputs of the entry file, the code every process loads. */
let entryInputs: string[];

beforeAll(async () => {
  mkdirSync(join(repoRoot, 'dist'), { recursive: true });
  outdir = mkdtempSync(join(repoRoot, 'dist', 'bundle-test-'));
  const options = bundleOptions([join(repoRoot, 'src', 'cli.ts')], outdir);
  const result = await build({ ...options, metafile: true });
  const metafile = result.metafile as Metafile;
  inputs = Object.keys(metafile.inputs);
  entryInputs = Object.entries(metafile.outputs).flatMap(([output, { inputs: used }]) => (output.endsWith('/cli.js') ? Object.keys(used) : []));
}, 120_000);
afterAll(() => outdir && rmSync(outdir, { recursive: true, force: true }));

test('bundled exporter → the client library kubeconfig, Watch and ListWatch, none of its generated APIs or models', () => {
  const client = inputs.filter((input) => input.includes('@kubernetes/client-node/dist/'));
  expect(client).toEqual(expect.arrayContaining([expect.stringMatching(/dist\/config\.js$/), expect.stringMatching(/dist\/watch\.js$/), expect.stringMatching(/dist\/cache\.js$/)]));
  expect(client.filter((input) => /dist\/(gen\/(apis|models|types)\/|serializer\.js|index\.js)/.test(input))).toEqual([]);
});

test('bundled exporter → node-fetch without the URL polyfill and its Unicode tables', () => {
  expect(inputs.some((input) => input.includes('node_modules/node-fetch/'))).toBe(true);
  expect(inputs.filter((input) => /node_modules\/(whatwg-url|tr46)\//.test(input))).toEqual([]);
});

test("bundled exporter → undici without its cookie helpers, which would load Node's own copy of undici", () => {
  expect(inputs.some((input) => /node_modules\/undici\/lib\/dispatcher\//.test(input))).toBe(true);
  expect(inputs.filter((input) => /node_modules\/undici\/lib\/web\/cookies\//.test(input))).toEqual([]);
});

test('bundled exporter → undici only in a chunk of its own, read when a proxy is configured; the entry speaks HTTP/1.1 itself', () => {
  expect(entryInputs.some((input) => input.endsWith('src/registry/transport/direct-connections.ts'))).toBe(true);
  expect(entryInputs.filter((input) => input.includes('node_modules/undici/'))).toEqual([]);
});

test("bundled exporter → Node's own modules by require(), never by an ES import, which from Node 22 on would load Node's undici through node:http's lazy exports", () => {
  const builtins = new RegExp(`\\bfrom\\s*"((node:)?(${builtinModules.join('|')}))"`, 'g');
  const files = readdirSync(outdir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.js'));
  const imported = files.flatMap((file) => [...readFileSync(join(outdir, file), 'utf8').matchAll(builtins)].map((match) => `${file}: ${match[1]}`));
  expect(files).toContain('cli.js');
  expect(imported).toEqual([]);
});

test("the memory benchmark's probe, bundled as `npm run bench` bundles it, loads no undici until a proxy is set: it stands for the exporter, which loads none", async () => {
  const probeDir = mkdtempSync(join(repoRoot, 'dist', 'bundle-test-probe-'));
  try {
    const entries = ['memory-probe', 'module-cost'].map((name) => join(repoRoot, 'bench', 'lib', `${name}.ts`));
    const result = await build({ ...bundleOptions(entries, probeDir), sourcemap: false, metafile: true });
    const outputs = (result.metafile as Metafile).outputs;
    // What loading the probe loads: its file and every chunk it imports statically, transitively.
    const loaded = new Set<string>();
    const visit = (output: string) => {
      if (loaded.has(output)) return;
      loaded.add(output);
      for (const imported of outputs[output].imports) if (imported.kind === 'import-statement' && outputs[imported.path]) visit(imported.path);
    };
    visit(Object.keys(outputs).find((output) => output.endsWith('/memory-probe.js'))!);
    const loadedInputs = [...loaded].flatMap((output) => Object.keys(outputs[output].inputs));
    expect(loadedInputs.some((input) => input.endsWith('src/index/image-index.ts'))).toBe(true);
    expect(loadedInputs.filter((input) => input.includes('node_modules/undici/'))).toEqual([]);
  } finally {
    rmSync(probeDir, { recursive: true, force: true });
  }
}, 120_000);

/**
 * What ran while the bundled exporter ran with `args`, by V8's coverage: the files it loaded, and
 * the packages whose functions in cli.js ran, mapped through the source map.
 */
async function codeRun(args: string[]): Promise<{ stdout: string; files: string[]; packages: Set<string> }> {
  const coverageDir = mkdtempSync(join(outdir, 'coverage-'));
  const cli = join(outdir, 'cli.js');
  // An exit code other than 0 (check's verdict on an image) still leaves its coverage behind.
  const { stdout } = await run(process.execPath, [cli, ...args], { env: { ...process.env, NODE_V8_COVERAGE: coverageDir } }).catch((error: { stdout: string }) => error);
  const text = readFileSync(cli, 'utf8');
  const lineStarts = [0];
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lineStarts.push(at + 1);
  const sourceMap = new SourceMap(JSON.parse(readFileSync(`${cli}.map`, 'utf8')));
  const files: string[] = [];
  const packages = new Set<string>();
  for (const file of readdirSync(coverageDir)) {
    const { result } = JSON.parse(readFileSync(join(coverageDir, file), 'utf8')) as { result: Array<{ url: string; functions: Array<{ ranges: Array<{ startOffset: number; count: number }> }> }> };
    files.push(...result.map((script) => script.url).filter((url) => url.startsWith(pathToFileURL(outdir).href)));
    for (const script of result.filter((candidate) => candidate.url === pathToFileURL(cli).href)) {
      for (const fn of script.functions.filter((candidate) => candidate.ranges[0].count > 0)) {
        const offset = fn.ranges[0].startOffset;
        let line = 0;
        while (line + 1 < lineStarts.length && lineStarts[line + 1] <= offset) line++;
        const source = (sourceMap.findEntry(line, offset - lineStarts[line]) as { originalSource?: string }).originalSource ?? '';
        const name = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(source)?.[1];
        if (name) packages.add(name);
      }
    }
  }
  return { stdout, files, packages };
}

test('bundled exporter → each package only some setups call is a file of its own in lazy/, out of the code every process loads', () => {
  expect(readdirSync(join(outdir, LAZY_DIRECTORY)).filter((file) => file.endsWith('.cjs')).sort()).toEqual(LAZY_PACKAGES.map((lazy) => lazyFileName(lazy.specifier)).sort());
  const lazyInputs = entryInputs.filter((input) => LAZY_PACKAGES.some((lazy) => input.includes(`node_modules/${lazy.specifier}/`)));
  expect(lazyInputs).toEqual([]);
});

test('bundled exporter starting → reads none of its lazy packages and runs none of their code (the SOCKS proxy agent, exemplars)', async () => {
  const { files, packages } = await codeRun(['--help']);
  expect(files).toContain(pathToFileURL(join(outdir, 'cli.js')).href);
  expect(files.filter((file) => file.includes(`/${LAZY_DIRECTORY}/`))).toEqual([]);
  // The method sees code that runs at start: the metrics library and the logger do.
  expect([...packages]).toEqual(expect.arrayContaining(['prom-client', 'pino', 'convict']));
  expect([...packages].filter((name) => [...LAZY_PACKAGES.map((lazy) => lazy.specifier), 'socks', 'ip-address'].includes(name))).toEqual([]);
}, 60_000);

test('bundled check command with a manifest → parses it and reads no lazy package', async () => {
  const dir = mkdtempSync(join(outdir, 'manifest-'));
  writeFileSync(join(dir, 'pod.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: "bad image"}]}\n');
  const { stdout, files } = await codeRun(['check', '-f', join(dir, 'pod.yaml'), '--output=json']);
  expect(stdout).toContain('bad_image_format');
  expect(files.filter((url) => url.includes(`/${LAZY_DIRECTORY}/`))).toEqual([]);
}, 60_000);

test('bundled exporter runs: --help prints the usage', async () => {
  const { stdout } = await run(process.execPath, [join(outdir, 'cli.js'), '--help']);
  expect(stdout).toMatch(/^Usage: k8s-image-availability-exporter \[flags\]/);
});

test('bundled exporter behind a proxy → its undici chunk loads and the registry is asked through the proxy', async () => {
  const tunnels: string[] = [];
  const proxy = createServer((_request, response) => response.writeHead(502).end());
  proxy.on('connect', (request, socket: Socket) => {
    tunnels.push(request.url ?? '');
    socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  try {
    const manifest = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: registry.invalid/team/app:v1}]}\n';
    const child = execFile(process.execPath, [join(outdir, 'cli.js'), 'check', '-f', '-', '--registry-request-timeout=2s', '--output=json'], {
      env: { ...process.env, HTTPS_PROXY: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, HTTP_PROXY: '', NO_PROXY: '' },
    });
    child.stdin?.end(manifest);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(tunnels).toContain('registry.invalid:443');
  } finally {
    proxy.close();
  }
}, 30_000);

/** Runs the bundled exporter against `kubeconfig` until `done()` holds (or 20 s), then stops it. */
async function runWithKubeconfig(kubeconfig: object, done: () => boolean): Promise<string> {
  const dir = mkdtempSync(join(outdir, 'kubeconfig-'));
  writeFileSync(join(dir, 'kubeconfig'), JSON.stringify(kubeconfig), { mode: 0o600 });
  const child = execFile(process.execPath, [join(outdir, 'cli.js'), '--bind-address=127.0.0.1:0', `--kubeconfig=${join(dir, 'kubeconfig')}`]);
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  try {
    const deadline = Date.now() + 20_000;
    while (!done() && Date.now() < deadline && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 50));
    return output;
  } finally {
    await stopChild(child, 5000);
  }
}

function kubeconfigFor(cluster: object, user: object): object {
  return {
    apiVersion: 'v1', kind: 'Config', 'current-context': 'c',
    clusters: [{ name: 'c', cluster }], users: [{ name: 'u', user }], contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
  };
}

test("bundled exporter with a kubeconfig cluster's proxy-url → the proxy agents (the SOCKS one lazy) load and carry its requests (socks5 and http)", async () => {
  const greetings: Buffer[] = [];
  const socks = createTcpServer((socket) => socket.once('data', (chunk) => { greetings.push(chunk); socket.destroy(); }));
  const connects: string[] = [];
  const httpProxy = createServer((_request, response) => response.writeHead(502).end());
  httpProxy.on('connect', (request, socket: Socket) => { connects.push(request.url ?? ''); socket.destroy(); });
  await Promise.all([new Promise<void>((resolve) => socks.listen(0, '127.0.0.1', resolve)), new Promise<void>((resolve) => httpProxy.listen(0, '127.0.0.1', resolve))]);
  try {
    const socksUrl = `socks5://127.0.0.1:${(socks.address() as AddressInfo).port}`;
    const socksOutput = await runWithKubeconfig(kubeconfigFor({ server: 'https://127.0.0.1:6443', 'proxy-url': socksUrl }, { token: 'x' }), () => greetings.length > 0);
    // A SOCKS version 5 greeting.
    expect({ first: greetings[0]?.[0], socksOutput }).toEqual({ first: 5, socksOutput: expect.any(String) });
    const httpUrl = `http://127.0.0.1:${(httpProxy.address() as AddressInfo).port}`;
    await runWithKubeconfig(kubeconfigFor({ server: 'https://kube.invalid:6443', 'proxy-url': httpUrl }, { token: 'x' }), () => connects.length > 0);
    expect(connects[0]).toBe('kube.invalid:6443');
  } finally {
    socks.close();
    httpProxy.close();
  }
}, 60_000);

/**
 * The Authorization headers the bundled exporter sends with the kubeconfig user `user`, to a
 * stand-in API server that refuses every request, and the exporter's output.
 */
async function authorizationsSent(user: object): Promise<{ authorizations: Array<string | undefined>; output: string }> {
  const seen: IncomingHttpHeaders[] = [];
  const api = createServer((request, response) => {
    seen.push(request.headers);
    response.writeHead(403, { 'content-type': 'application/json' }).end('{"kind":"Status","message":"forbidden"}');
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  try {
    // Plain HTTP, which the client library allows only with TLS verification off, so that the test reads the header.
    const cluster = { server: `http://127.0.0.1:${(api.address() as AddressInfo).port}`, 'insecure-skip-tls-verify': true };
    const output = await runWithKubeconfig(kubeconfigFor(cluster, user), () => seen.length > 0);
    return { authorizations: [...new Set(seen.map((headers) => headers.authorization))], output };
  } finally {
    api.close();
  }
}

test("bundled exporter with a kubeconfig's gcp auth provider → its command's token, picked by JSONPath, reaches the API server", async () => {
  const helper = join(outdir, 'gcp-token.cjs');
  writeFileSync(helper, "console.log(JSON.stringify({ credential: { access_token: 'from-helper', token_expiry: '2999-01-01T00:00:00Z' } }));\n");
  const user = { 'auth-provider': { name: 'gcp', config: { 'cmd-path': process.execPath, 'cmd-args': helper, 'token-key': '{.credential.access_token}', 'expiry-key': '{.credential.token_expiry}' } } };
  expect(await authorizationsSent(user)).toEqual({ authorizations: ['Bearer from-helper'], output: expect.any(String) });
}, 60_000);

test("bundled exporter with a kubeconfig's exec plugin → child_process runs it and its token reaches the API server", async () => {
  const plugin = join(outdir, 'exec-plugin.cjs');
  writeFileSync(plugin, "console.log(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'from-exec' } }));\n");
  const user = { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: [plugin], interactiveMode: 'Never' } };
  expect(await authorizationsSent(user)).toEqual({ authorizations: ['Bearer from-exec'], output: expect.any(String) });
}, 60_000);
