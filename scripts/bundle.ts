// Bundles compiled entry points (tsc's output in dist/) into self-contained files, so that a
// process loads only the code it can reach. The reason is memory: @kubernetes/client-node's
// config.js (KubeConfig) imports the library's generated index for two functions, and cache.js
// (ListWatch) imports the generated model serializer for selectors the exporter never sets; as
// plain modules they load every generated API class and model, about 60 MiB of an idle
// process's resident memory. Here those imports (and two more of the same kind, in node-fetch and
// undici) are pointed at what is used.
//
// Code reached only through import() (undici for proxies, say) goes into chunks of its own,
// read from disk only when a setup needs it: a loaded module's source stays in memory.
//
// Usage (compiled by tsc into dist/scripts/, as `npm run build` and `npm run bench` run it):
//        node dist/scripts/bundle.js ENTRY.js      rewrites ENTRY.js in place, its chunks in
//                                                   chunks/ beside it
//        node dist/scripts/bundle.js --split OUTDIR ENTRY.js...
//                                                   one file per entry in OUTDIR, chunks beside
import { rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';

/**
 * Replacement modules for imports that load far more than is used, by importing file and
 * specifier. Each replacement offers what its importer uses, with the same behaviour.
 */
const SLIM_IMPORTS: ReadonlyArray<{ importer: RegExp; specifier: string; contents: string }> = [
  {
    importer: /[\\/]@kubernetes[\\/]client-node[\\/]dist[\\/]config\.js$/,
    specifier: './gen/index.js',
    contents: "export { createConfiguration } from './gen/configuration.js'; export { ServerConfiguration } from './gen/servers.js';",
  },
  {
    importer: /[\\/]@kubernetes[\\/]client-node[\\/]dist[\\/]cache\.js$/,
    specifier: './serializer.js',
    // cache.js serializes a label or field selector with it, as the string it already is.
    contents: 'export const ObjectSerializer = { serialize: (value) => value };',
  },
  {
    importer: /[\\/]node-fetch[\\/]lib[\\/]index\.(m?js)$/,
    specifier: 'whatwg-url',
    // node-fetch takes Node's own URL when there is one (`Url.URL || whatwgUrl.URL`), as on every
    // Node the exporter runs on; whatwg-url would only add its Unicode tables (tr46).
    contents: 'export const URL = globalThis.URL; export default { URL };',
  },
  {
    importer: /[\\/]undici[\\/]index\.js$/,
    specifier: './lib/web/cookies',
    // The cookie helpers check their argument against Node's own Headers, and reading
    // globalThis.Headers loads Node's built-in copy of undici (13 MiB of resident memory). The
    // exporter sends no cookies.
    contents: [
      "const unused = (name) => () => { throw new Error(`undici's ${name} is not part of this build (scripts/bundle.ts)`); };",
      "export const deleteCookie = unused('deleteCookie'), getCookies = unused('getCookies'), getSetCookies = unused('getSetCookies'), setCookie = unused('setCookie'), parseCookie = unused('parseCookie');",
    ].join('\n'),
  },
];

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

const slimImports: Plugin = {
  name: 'slim-imports',
  setup(pluginBuild) {
    const filter = new RegExp(`^(${SLIM_IMPORTS.map((slim) => escaped(slim.specifier)).join('|')})$`);
    pluginBuild.onResolve({ filter }, (args) => {
      const index = SLIM_IMPORTS.findIndex((slim) => slim.specifier === args.path && slim.importer.test(args.importer));
      if (index === -1) return undefined;
      return { path: `${index}:${args.path}`, namespace: 'slim-imports', pluginData: { contents: SLIM_IMPORTS[index].contents, resolveDir: args.resolveDir } };
    });
    pluginBuild.onLoad({ filter: /.*/, namespace: 'slim-imports' }, (args) => ({ contents: args.pluginData.contents, resolveDir: args.pluginData.resolveDir, loader: 'js' }));
  },
};

/**
 * Node's own modules are taken with require(), never with an ES import. An ES import of a
 * built-in module makes Node read every export once to build the module's namespace, and from
 * Node 22 on `node:http` exports lazy getters (WebSocket and its events) whose first read loads
 * http2, worker_threads and Node's built-in undici, code the exporter never calls: 10 MiB of
 * resident memory in a process of its own, 3 MiB of the exporter's (BENCHMARKS.md, case 4).
 * require() returns the exports object and reads nothing. Each built-in imported by an ES module
 * becomes a one-line CommonJS module, which esbuild's interop reads property by property where
 * the code uses it.
 */
const builtinsByRequire: Plugin = {
  name: 'builtins-by-require',
  setup(pluginBuild) {
    const names = builtinModules.filter((name) => !name.startsWith('_')).map(escaped);
    const filter = new RegExp(`^(node:)?(${names.join('|')})$`);
    pluginBuild.onResolve({ filter }, (args) => {
      // The require() inside the stand-in module (and any in CommonJS code) stays as it is.
      if (args.kind !== 'import-statement') return undefined;
      return { path: args.path, namespace: 'builtin-by-require' };
    });
    pluginBuild.onLoad({ filter: /.*/, namespace: 'builtin-by-require' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path.startsWith('node:') ? args.path : `node:${args.path}`)});`,
      loader: 'js',
    }));
  },
};

/** Where an in-place bundle of `entry` keeps its chunks. */
export function chunkDirectory(entry: string): string {
  return join(dirname(entry), 'chunks');
}

/** esbuild options for the entries: one in place (its chunks beside it), or all into `outdir`. */
export function bundleOptions(entries: string[], outdir?: string): BuildOptions {
  return {
    entryPoints: entries,
    splitting: true,
    ...(outdir ? { outdir } : { outdir: dirname(entries[0]), entryNames: '[name]', chunkNames: 'chunks/[name]-[hash]', allowOverwrite: true }),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    // Class and function names stay as written: they appear in error messages and logs.
    keepNames: true,
    sourcemap: true,
    // The ECR credential provider is loaded only where it is configured: it stays a package of its own.
    external: ['@aws-sdk/*'],
    plugins: [slimImports, builtinsByRequire],
    // CommonJS dependencies call require() for Node's own modules; an ES module has none.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    logLevel: 'error',
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const outdir = args[0] === '--split' ? args[1] : undefined;
  const entries = outdir ? args.slice(2) : args;
  if (entries.length === 0 || (args[0] === '--split' && !outdir) || (!outdir && entries.length !== 1)) {
    console.error('usage: node dist/scripts/bundle.js ENTRY.js | --split OUTDIR ENTRY.js...');
    process.exit(2);
  }
  // Chunk names change with their content: old ones would pile up.
  rmSync(outdir ?? chunkDirectory(entries[0]), { recursive: true, force: true });
  await build(bundleOptions(entries, outdir));
}
