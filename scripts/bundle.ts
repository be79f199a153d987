// Bundles compiled entry points (tsc's output in dist/) into self-contained files, so that a
// process loads only the code it can reach. The reason is memory: @kubernetes/client-node's
// config.js (KubeConfig) imports the library's generated index for two functions, and cache.js
// (ListWatch) imports the generated model serializer for selectors the exporter never sets; as
// plain modules they load every generated API class and model, about 60 MiB of an idle
// process's resident memory. Here those imports (and two more of the same kind, in node-fetch and
// undici) are pointed at what is used.
//
// Code reached only through import() (undici for proxies, say) goes into chunks of its own, and
// packages only some setups call (LAZY_PACKAGES) into files of their own in lazy/, each read from
// disk only when a setup needs it: a loaded module's source stays in memory.
//
// The rewrites and stand-ins are named rows in scripts/bundle-tricks.ts; `npm run bench:tricks`
// measures each against a build without it, and a build in which one no longer applies fails.
//
// Usage (compiled by tsc into dist/scripts/, as `npm run build` and `npm run bench` run it):
//        node dist/scripts/bundle.js ENTRY.js      rewrites ENTRY.js in place, its chunks in
//                                                   chunks/ and lazy/ beside it
//        node dist/scripts/bundle.js --split OUTDIR ENTRY.js...
//                                                   one file per entry in OUTDIR, chunks and lazy/ beside
import { readFileSync, rmSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { LAZY_PACKAGES, SLIM_IMPORTS, trickChecks } from './bundle-tricks.js';

export { LAZY_PACKAGES } from './bundle-tricks.js';

type Tricks = ReturnType<typeof trickChecks>;

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

const slimImports = (tricks: Tricks): Plugin => ({
  name: 'slim-imports',
  setup(pluginBuild) {
    const filter = new RegExp(`^(${SLIM_IMPORTS.map((slim) => escaped(slim.specifier)).join('|')})$`);
    pluginBuild.onResolve({ filter }, (args) => {
      const index = SLIM_IMPORTS.findIndex((slim) => slim.specifier === args.path && slim.importer.test(args.importer) && tricks.enabled(slim.name));
      if (index === -1) return undefined;
      tricks.applied(SLIM_IMPORTS[index].name, args.importer);
      return { path: `${index}:${args.path}`, namespace: 'slim-imports', pluginData: { contents: SLIM_IMPORTS[index].contents, resolveDir: args.resolveDir } };
    });
    pluginBuild.onLoad({ filter: /.*/, namespace: 'slim-imports' }, (args) => ({ contents: args.pluginData.contents, resolveDir: args.pluginData.resolveDir, loader: 'js' }));
  },
});

/**
 * Node's own modules are taken with require(), never with an ES import. An ES import of a
 * built-in module makes Node read every export once to build the module's namespace, and from
 * Node 22 on `node:http` exports lazy getters (WebSocket and its events) whose first read loads
 * http2, worker_threads and Node's built-in undici, code the exporter never calls: 10 MiB of
 * resident memory in a process of its own, 3 MiB of the exporter's (BENCHMARKS.md, case 4).
 * require() returns the exports object and reads nothing.
 *
 * Each built-in imported by an ES module becomes a small ES module: its default export is what
 * require() returns, and each of its plain (non-getter) exports is one binding read from it,
 * marked pure so that esbuild keeps only the names some importer uses. (A CommonJS stand-in
 * would do too, but esbuild's interop copies every export of a CommonJS module into a getter of
 * its own for each importing module: about 2 000 closures, 0.3 MiB of heap, for the exporter.)
 */
const builtinsByRequire: Plugin = {
  name: 'builtins-by-require',
  setup(pluginBuild) {
    const names = builtinModules.filter((name) => !name.startsWith('_')).map(escaped);
    const filter = new RegExp(`^(node:)?(${names.join('|')})$`);
    const requireHere = createRequire(import.meta.url);
    pluginBuild.onResolve({ filter }, (args) => {
      // The require() inside the stand-in module (and any in CommonJS code) stays as it is.
      if (args.kind !== 'import-statement') return undefined;
      return { path: args.path.startsWith('node:') ? args.path : `node:${args.path}`, namespace: 'builtin-by-require' };
    });
    pluginBuild.onLoad({ filter: /.*/, namespace: 'builtin-by-require' }, (args) => {
      const exported = requireHere(args.path) as object;
      const plain = Object.entries(Object.getOwnPropertyDescriptors(exported)).filter(([name, descriptor]) => 'value' in descriptor && isBindingName(name));
      const specifier = JSON.stringify(args.path);
      const bindings = plain.map(([name]) => `export const ${name} = /* @__PURE__ */ (() => builtin.${name})();`);
      return { contents: [`const builtin = require(${specifier});`, 'export default builtin;', ...bindings].join('\n'), loader: 'js' };
    });
  },
};

/** Whether `name` can be declared as a binding (an identifier, not a reserved word). */
function isBindingName(name: string): boolean {
  if (!/^[A-Za-z_$][\w$]*$/.test(name)) return false;
  try {
    new Function(`"use strict"; let ${name};`);
    return true;
  } catch {
    return false;
  }
}

/** The names a package exports, read by loading it in this (the bundling) process. */
async function exportedNames(specifier: string, resolveDir: string): Promise<{ names: string[]; esModule: boolean }> {
  const requireFrom = createRequire(join(resolveDir, 'importer.js'));
  let loaded: Record<string, unknown>;
  try {
    loaded = requireFrom(specifier);
  } catch (error) {
    // An ES-module-only package: import() it by the path require() would take.
    if ((error as NodeJS.ErrnoException).code !== 'ERR_REQUIRE_ESM') throw error;
    loaded = await import(pathToFileURL(requireFrom.resolve(specifier)).href);
  }
  return { names: Object.keys(loaded).filter((name) => name !== 'default' || !loaded.__esModule), esModule: Boolean(loaded.__esModule) || Symbol.toStringTag in loaded };
}

/** Where a bundle keeps its lazy packages, next to its entries. */
export const LAZY_DIRECTORY = 'lazy';

/** The file name of a lazy package's bundle: `@opentelemetry/api` → `opentelemetry-api.cjs`. */
export function lazyFileName(specifier: string): string {
  return `${specifier.replace(/^@/, '').replace(/[^A-Za-z0-9._-]+/g, '-')}.cjs`;
}

const lazyPackages = (tricks: Tricks): Plugin => ({
  name: 'lazy-packages',
  setup(pluginBuild) {
    const filter = new RegExp(`^(${LAZY_PACKAGES.map((lazy) => escaped(lazy.specifier)).join('|')})$`);
    const lazyDirectory = join(pluginBuild.initialOptions.outdir ?? '.', LAZY_DIRECTORY);
    pluginBuild.onResolve({ filter }, (args) => {
      const lazy = LAZY_PACKAGES.find((candidate) => candidate.specifier === args.path && candidate.importer.test(args.importer) && tricks.enabled(candidate.name));
      if (!lazy) return undefined;
      tricks.applied(lazy.name, args.importer);
      return { path: args.path, namespace: 'lazy-packages', pluginData: { resolveDir: args.resolveDir } };
    });
    pluginBuild.onLoad({ filter: /.*/, namespace: 'lazy-packages' }, async (args) => {
      const { resolveDir } = args.pluginData as { resolveDir: string };
      const file = lazyFileName(args.path);
      // The package as require() from its importer would take it, with everything it needs.
      await build({
        stdin: { contents: `module.exports = require(${JSON.stringify(args.path)});`, resolveDir, loader: 'js' },
        outfile: join(lazyDirectory, file),
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        minify: true,
        keepNames: true,
        sourcemap: pluginBuild.initialOptions.sourcemap,
        logLevel: 'error',
      });
      const { names, esModule } = await exportedNames(args.path, resolveDir);
      return {
        contents: [
          'let loaded;',
          `const load = () => (loaded ??= __lazyPackage(${JSON.stringify(file)}));`,
          ...(esModule ? ["Object.defineProperty(exports, '__esModule', { value: true });"] : []),
          `for (const name of ${JSON.stringify(names)}) Object.defineProperty(exports, name, { enumerable: true, get: () => load()[name] });`,
        ].join('\n'),
        resolveDir,
        loader: 'js',
      };
    });
  },
});

/**
 * Fails the build when an output file holds a character beyond Latin-1. esbuild escapes them in
 * strings and identifiers but not in regular expression literals, and V8 keeps a script with one
 * character beyond Latin-1 as UTF-16: the exporter's 420 kB bundle took 840 kB of heap for one µ.
 */
const latin1Output: Plugin = {
  name: 'latin1-output',
  setup(pluginBuild) {
    pluginBuild.onEnd((result) => {
      // On disk, unless the build was asked to keep them in memory (write: false).
      const outputs = result.outputFiles?.map((output) => ({ file: output.path, read: () => output.text })) ?? Object.keys(result.metafile?.outputs ?? {}).map((file) => ({ file, read: () => readFileSync(file, 'utf8') }));
      const errors = outputs.filter(({ file }) => file.endsWith('.js')).flatMap(({ file, read }) => {
        const text = read();
        const at = text.search(/[^\x00-\xff]/);
        if (at === -1) return [];
        const code = text.codePointAt(at)!.toString(16).padStart(4, '0');
        return [{
          text:
            `${file} holds U+${code} at offset ${at} (${JSON.stringify(text.slice(Math.max(0, at - 30), at + 10))}), a character esbuild left unescaped (in a regular expression literal?): ` +
            `V8 would keep the whole file as UTF-16, twice its size. Write it as \\u${code} in the source.`,
        }];
      });
      return { errors };
    });
  },
};

/** Where an in-place bundle of `entry` keeps its chunks. */
export function chunkDirectory(entry: string): string {
  return join(dirname(entry), 'chunks');
}

/**
 * esbuild options for the entries: one in place (its chunks beside it), or all into `outdir`.
 * `without` names a trick (TRICK_NAMES) to leave out, for `npm run bench:tricks`.
 */
export function bundleOptions(entries: string[], outdir?: string, without?: string): BuildOptions {
  const tricks = trickChecks(without);
  return {
    entryPoints: entries,
    // Without chunks, code reached only through import() (undici, for proxies) is in the entry.
    splitting: tricks.enabled('chunks'),
    ...(outdir ? { outdir } : { outdir: dirname(entries[0]), entryNames: '[name]', chunkNames: 'chunks/[name]-[hash]', allowOverwrite: true }),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    // Class and function names stay as written: they appear in error messages and logs.
    keepNames: true,
    sourcemap: true,
    metafile: true,
    // The ECR credential provider is loaded only where it is configured: it stays a package of its own.
    external: ['@aws-sdk/*'],
    plugins: [slimImports(tricks), lazyPackages(tricks), ...(tricks.enabled('builtins by require') ? [builtinsByRequire] : []), tricks.plugin, latin1Output],
    // CommonJS dependencies call require() for Node's own modules; an ES module has none. A lazy
    // package's stand-in reads its file from lazy/, beside the entries; chunks of an in-place
    // bundle are one directory down, in chunks/.
    banner: {
      js: [
        "import { createRequire as __createRequire } from 'node:module';",
        'const require = __createRequire(import.meta.url);',
        `const __lazyPackage = (file) => __createRequire(new URL(/\\/chunks\\/[^/]*$/.test(import.meta.url) ? '../${LAZY_DIRECTORY}/' : './${LAZY_DIRECTORY}/', import.meta.url))(\`./\${file}\`);`,
      ].join(' '),
    },
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
  if (!outdir) rmSync(join(dirname(entries[0]), LAZY_DIRECTORY), { recursive: true, force: true });
  await build(bundleOptions(entries, outdir));
}
