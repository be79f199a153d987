// The shipped exporter is one bundled file plus chunks loaded on demand (scripts/bundle.ts): these
// tests build it from the sources as `npm run build` does and look at what went in, and run it.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { builtinModules } from 'node:module';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import { bundleOptions } from '../../scripts/bundle.js';
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
  const result = await build({ ...options, sourcemap: false, metafile: true });
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

test('bundled exporter → undici only in a chunk of its own, read when a proxy is configured; the entry uses Node\'s http', () => {
  expect(entryInputs.some((input) => input.endsWith('src/registry/node-connections.ts'))).toBe(true);
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
