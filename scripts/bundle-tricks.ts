// What the bundle (scripts/bundle.ts) does to dependencies to keep the exporter's memory down, as
// tables, each row a named trick: imports pointed at slimmer stand-ins, packages made lazy, source
// lines edited to defer a Node module. Each trick names where it applies; a build in which one no
// longer applies as written (a dependency renamed its file, dropped or doubled the import) fails
// naming it, instead of shipping a bundle that silently lost what the trick was for.
// `npm run bench:tricks` measures each against a build without it (BENCHMARKS.md, "What each
// bundle trick is worth").
import type { Plugin } from 'esbuild';

/** How often a trick must apply in a build: once per importer (or file) it names, or at least once. */
type Times = number | 'some';

/**
 * Replacement modules for imports that load far more than is used, by importing file and
 * specifier. Each replacement offers what its importer uses, with the same behaviour.
 */
export const SLIM_IMPORTS: ReadonlyArray<{ name: string; importer: RegExp; specifier: string; contents: string; times: Times }> = [
  {
    name: 'slim client-node config.js → gen/index.js',
    importer: /[\\/]@kubernetes[\\/]client-node[\\/]dist[\\/]config\.js$/,
    specifier: './gen/index.js',
    contents: "export { createConfiguration } from './gen/configuration.js'; export { ServerConfiguration } from './gen/servers.js';",
    times: 1,
  },
  {
    name: 'slim client-node cache.js → serializer.js',
    importer: /[\\/]@kubernetes[\\/]client-node[\\/]dist[\\/]cache\.js$/,
    specifier: './serializer.js',
    // cache.js serializes a label or field selector with it, as the string it already is.
    contents: 'export const ObjectSerializer = { serialize: (value) => value };',
    times: 1,
  },
  {
    name: 'slim node-fetch → whatwg-url',
    importer: /[\\/]node-fetch[\\/]lib[\\/]index\.(m?js)$/,
    specifier: 'whatwg-url',
    // node-fetch takes Node's own URL when there is one (`Url.URL || whatwgUrl.URL`), as on every
    // Node the exporter runs on; whatwg-url would only add its Unicode tables (tr46).
    contents: 'export const URL = globalThis.URL; export default { URL };',
    times: 1,
  },
  {
    name: 'slim undici → cookies',
    importer: /[\\/]undici[\\/]index\.js$/,
    specifier: './lib/web/cookies',
    // The cookie helpers check their argument against Node's own Headers, and reading
    // globalThis.Headers loads Node's built-in copy of undici (13 MiB of resident memory). The
    // exporter sends no cookies.
    contents: [
      "const unused = (name) => () => { throw new Error(`undici's ${name} is not part of this build (scripts/bundle.ts)`); };",
      "export const deleteCookie = unused('deleteCookie'), getCookies = unused('getCookies'), getSetCookies = unused('getSetCookies'), setCookie = unused('setCookie'), parseCookie = unused('parseCookie');",
    ].join('\n'),
    times: 1,
  },
];

/**
 * Packages that only some setups call, by importing file (any file when absent). Each is bundled
 * into a CommonJS file of its own in the bundle's lazy/ directory, and each import of it from its
 * importer gets a stand-in whose exports are getters: the file is read and run at the first read
 * of one, never in a setup that does not read them. Bundled with the rest, their source alone
 * (400 kB) stays in memory and is parsed at every start.
 */
export const LAZY_PACKAGES: ReadonlyArray<{ name: string; specifier: string; importer?: RegExp; usedFor: string; times: Times }> = [
  { specifier: 'js-yaml', importer: /[\\/]@kubernetes[\\/]client-node[\\/]dist[\\/]config\.js$/, usedFor: 'a kubeconfig read from a file', times: 1 },
  { specifier: 'socks-proxy-agent', importer: /[\\/]@kubernetes[\\/]client-node[\\/]dist[\\/]config\.js$/, usedFor: "a kubeconfig cluster's socks5 proxy-url", times: 1 },
  { specifier: 'hpagent', importer: /[\\/]@kubernetes[\\/]client-node[\\/]dist[\\/]config\.js$/, usedFor: "a kubeconfig cluster's http(s) proxy-url", times: 1 },
  { specifier: 'jsonpath-plus', importer: /[\\/]@kubernetes[\\/]client-node[\\/]dist[\\/](azure|gcp)_auth\.js$/, usedFor: "the kubeconfig's azure and gcp auth providers", times: 2 },
  { specifier: 'openid-client', importer: /[\\/]@kubernetes[\\/]client-node[\\/]dist[\\/]oidc_auth\.js$/, usedFor: "the kubeconfig's oidc auth provider", times: 1 },
  { specifier: '@opentelemetry/api', importer: /[\\/]prom-client[\\/]lib[\\/]metrics[\\/]processCpuTotal\.js$/, usedFor: 'exemplars, which the exporter does not enable', times: 1 },
  { specifier: 'thread-stream', importer: /[\\/]pino[\\/]lib[\\/]transport\.js$/, usedFor: "pino's transports, which the exporter does not use (it writes to stdout itself)", times: 1 },
  { specifier: 'yaml', usedFor: 'a config file, a credential provider config and the check command', times: 'some' as const },
].map((lazy) => ({ ...lazy, name: `lazy ${lazy.specifier}` }));

/**
 * Source edits that defer a Node built-in module which a dependency requires when it loads but
 * calls only in setups the exporter does not have. Each `from` must be found as written.
 */
export const DEFERRED_BUILTINS: ReadonlyArray<{ name: string; file: RegExp; edits: ReadonlyArray<{ from: string; to: string }>; why: string; times: Times }> = [
  {
    name: 'defer worker_threads in pino',
    file: /[\\/]pino[\\/]lib[\\/]tools\.js$/,
    edits: [
      { from: "const { isMainThread } = require('worker_threads')", to: "const workerThreads = () => require('worker_threads')" },
      { from: 'if (!opts.sync && isMainThread) {', to: 'if (!opts.sync && workerThreads().isMainThread) {' },
    ],
    why: 'worker_threads (0.3 MiB) is read only for an asynchronous destination; the exporter logs synchronously',
    times: 1,
  },
  {
    name: 'defer assert in sonic-boom',
    file: /[\\/]sonic-boom[\\/]index\.js$/,
    edits: [{ from: "const assert = require('assert')", to: "const assert = (...args) => require('assert')(...args)" }],
    why: 'assert (0.45 MiB) is called only when a destination closes',
    times: 1,
  },
];

/**
 * Node modules loaded at their first call rather than at start: child_process (with the dgram
 * module it loads, 0.25 MiB) is called only by exec credential plugins, credential helpers and
 * kubelet credential provider plugins, which most clusters do not use.
 */
export const DEFERRED_MODULES: ReadonlyArray<{ name: string; specifier: string; times: Times }> = [{ name: 'defer node:child_process', specifier: 'node:child_process', times: 'some' }];

/** Tricks with no pattern of their own to break: they apply to whatever the build holds. */
export const GENERAL_TRICKS = ['builtins by require', 'chunks'] as const;

/** Every trick by name, the ones `npm run bench:tricks` removes one at a time. */
export const TRICK_NAMES: readonly string[] = [...SLIM_IMPORTS, ...LAZY_PACKAGES, ...DEFERRED_BUILTINS, ...DEFERRED_MODULES].map((trick) => trick.name).concat(GENERAL_TRICKS);

/**
 * Counts where each trick applies in one build (`applied(name, where)`) and fails the build when
 * one applied other than as its table says. `without` names a trick the build leaves out.
 */
export function trickChecks(without?: string): { enabled(name: string): boolean; applied(name: string, where: string): void; plugin: Plugin } {
  if (without !== undefined && !TRICK_NAMES.includes(without)) throw new Error(`no bundle trick is named "${without}"; the tricks: ${TRICK_NAMES.join(', ')}`);
  const uses = new Map<string, string[]>();
  // Node modules are deferred by the stand-ins of `builtins by require`: without them, neither is.
  const off = new Set([without, ...(without === 'builtins by require' ? DEFERRED_MODULES.map((module) => module.name) : [])]);
  const expected = new Map<string, Times>([...SLIM_IMPORTS, ...LAZY_PACKAGES, ...DEFERRED_BUILTINS, ...DEFERRED_MODULES].map((trick) => [trick.name, trick.times]));
  return {
    enabled: (name) => !off.has(name),
    applied(name, where) {
      uses.set(name, [...(uses.get(name) ?? []), where]);
    },
    plugin: {
      name: 'trick-checks',
      setup(pluginBuild) {
        pluginBuild.onStart(() => uses.clear());
        pluginBuild.onEnd(() => {
          const errors = [...expected].flatMap(([name, times]) => {
            const where = uses.get(name) ?? [];
            if (off.has(name) || (times === 'some' ? where.length > 0 : where.length === times)) return [];
            const found = where.length === 0 ? 'found nowhere' : `found ${where.length === 1 ? 'once' : `${where.length} times`} (${where.join(', ')})`;
            return [{
              text:
                `bundle trick "${name}" was ${found}, expected ${times === 'some' ? 'at least once' : times === 1 ? 'exactly once' : `exactly ${times} times`}: ` +
                'a dependency changed the import or line it rewrites. Look at the dependency again, then update the trick in scripts/bundle-tricks.ts, ' +
                'or remove it if `npm run bench:tricks` shows it is no longer worth more than the noise.',
            }];
          });
          return { errors };
        });
      },
    },
  };
}
