// The bundle's tricks (scripts/bundle-tricks.ts) rewrite what dependencies import and require; a
// dependency update that moves what one rewrites must fail the build, naming the trick, rather
// than ship a bundle that lost it. Each test bundles a small project whose copy of a dependency
// has changed.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build, type BuildFailure } from 'esbuild';
import { TRICK_NAMES } from '../../scripts/bundle-tricks.js';
import { bundleOptions } from '../../scripts/bundle.js';
import { repoRoot } from '../support/tools.js';

let project: string;

beforeEach(() => {
  mkdirSync(join(repoRoot, 'dist'), { recursive: true });
  project = mkdtempSync(join(repoRoot, 'dist', 'bundle-tricks-test-'));
});
afterEach(() => rmSync(project, { recursive: true, force: true }));

function write(files: Record<string, string>): void {
  for (const [path, contents] of Object.entries(files)) {
    mkdirSync(dirname(join(project, path)), { recursive: true });
    writeFileSync(join(project, path), contents);
  }
}

/** Every error the build of `entry` failed with, one a line. */
async function bundleErrors(entry: string): Promise<string> {
  return build({ ...bundleOptions([join(project, entry)], join(project, 'out')), logLevel: 'silent' }).then(
    () => 'the build succeeded',
    (failure: BuildFailure) => failure.errors.map((error) => error.text).join('\n'),
  );
}

test("the client library's config.js imports its generated index under another name → the build fails naming the slim-import trick and what to do", async () => {
  write({
    'node_modules/@kubernetes/client-node/dist/config.js': "import { createConfiguration } from './gen/index.mjs';\nexport const KubeConfig = createConfiguration;\n",
    'node_modules/@kubernetes/client-node/dist/gen/index.mjs': 'export const createConfiguration = () => ({});\n',
    'entry.js': "import { KubeConfig } from './node_modules/@kubernetes/client-node/dist/config.js';\nconsole.log(KubeConfig());\n",
  });
  const message = await bundleErrors('entry.js');
  expect(message).toContain('bundle trick "slim client-node config.js → gen/index.js" was found nowhere, expected exactly once');
  expect(message).toContain('update the trick in scripts/bundle-tricks.ts');
});

test("the client library's config.js takes socks-proxy-agent by another path → the build fails naming the lazy-package trick", async () => {
  write({
    'node_modules/socks-proxy-agent/dist/index.js': 'exports.SocksProxyAgent = class {};\n',
    'node_modules/@kubernetes/client-node/dist/config.js': "import { SocksProxyAgent } from 'socks-proxy-agent/dist/index.js';\nexport const agent = () => new SocksProxyAgent();\n",
    'entry.js': "import { agent } from './node_modules/@kubernetes/client-node/dist/config.js';\nconsole.log(agent());\n",
  });
  expect(await bundleErrors('entry.js')).toContain('bundle trick "lazy socks-proxy-agent" was found nowhere, expected exactly once');
});

test('a regular expression holding a Greek mu, which esbuild leaves unescaped → the build fails naming the file, the character and the escape to write', async () => {
  write({ 'entry.js': "console.log(/(\\d+)(ms|\u03bcs)/.exec(process.argv[2]));\n" });
  expect(await bundleErrors('entry.js')).toMatch(/out[\\/]entry\.js holds U\+03bc at offset \d+ .*twice its size\. Write it as \\u03bc in the source\./);
});

test('the exporter bundled as shipped → every trick applies as its table says and no file holds a character beyond Latin-1 (the build succeeds)', async () => {
  await expect(build({ ...bundleOptions([join(repoRoot, 'src', 'cli.ts')], join(project, 'out')), write: false, logLevel: 'silent' })).resolves.toBeDefined();
}, 120_000);

test('a trick left out by a name no trick has → an error listing the tricks', () => {
  expect(() => bundleOptions([join(repoRoot, 'src', 'cli.ts')], project, 'lazy jsyaml')).toThrow(`no bundle trick is named "lazy jsyaml"; the tricks: ${TRICK_NAMES.join(', ')}`);
});
