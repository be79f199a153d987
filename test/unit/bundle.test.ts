// The shipped exporter is one bundled file (scripts/bundle.ts): these tests build it from the
// sources as `npm run build` does and look at what went in, and run it.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import { bundleOptions } from '../../scripts/bundle.js';
import { repoRoot } from '../support/tools.js';

const run = promisify(execFile);
let outdir: string;
let inputs: string[];

beforeAll(async () => {
  mkdirSync(join(repoRoot, 'dist'), { recursive: true });
  outdir = mkdtempSync(join(repoRoot, 'dist', 'bundle-test-'));
  const options = bundleOptions([join(repoRoot, 'src', 'cli.ts')], outdir);
  const result = await build({ ...options, splitting: false, sourcemap: false, metafile: true });
  inputs = Object.keys((result.metafile as Metafile).inputs);
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

test('bundled exporter runs: --help prints the usage', async () => {
  const { stdout } = await run(process.execPath, [join(outdir, 'cli.js'), '--help']);
  expect(stdout).toMatch(/^Usage: k8s-image-availability-exporter \[flags\]/);
});
