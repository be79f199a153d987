// What the bundle (scripts/bundle.ts) does to dependencies to keep the exporter's memory down, as
// tables, each row a named trick: imports pointed at slimmer stand-ins, packages made lazy. Each
// trick names where it applies; a build in which one no longer applies as written (a dependency
// renamed its file, or dropped or added an import) fails naming it, instead of shipping a bundle
// that silently lost what the trick was for.
// `npm run bench:tricks` measures each against a build without it (BENCHMARKS.md, "What each
// bundle trick is worth").
import type { Plugin } from 'esbuild';

/**
 * Replacement modules for imports that load far more than is used, by importing file and
 * specifier. Each replacement offers what its importer uses, with the same behaviour.
 */
export const SLIM_IMPORTS: ReadonlyArray<{ name: string; importer: RegExp; specifier: string; contents: string; times: number }> = [
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
    // globalThis.Headers loads Node's built-in copy of undici (14 MiB of resident memory). The
    // exporter sends no cookies. undici's chunk loads only behind a proxy, a setup
    // `npm run bench:tricks` does not run: there this row is worth those 14 MiB.
    contents: [
      "const unused = (name) => () => { throw new Error(`undici's ${name} is not part of this build (scripts/bundle.ts)`); };",
      "export const deleteCookie = unused('deleteCookie'), getCookies = unused('getCookies'), getSetCookies = unused('getSetCookies'), setCookie = unused('setCookie'), parseCookie = unused('parseCookie');",
    ].join('\n'),
    times: 1,
  },
];

/**
 * Packages that only some setups call, by importing file. Each is bundled
 * into a CommonJS file of its own in the bundle's lazy/ directory, and each import of it from its
 * importer gets a stand-in whose exports are getters: the file is read and run at the first read
 * of one, never in a setup that does not read them. Bundled with the rest, their source alone
 * (400 kB) stays in memory and is parsed at every start.
 */
export const LAZY_PACKAGES: ReadonlyArray<{ name: string; specifier: string; importer: RegExp; usedFor: string; times: number }> = [
  { specifier: 'socks-proxy-agent', importer: /[\\/]@kubernetes[\\/]client-node[\\/]dist[\\/]config\.js$/, usedFor: "a kubeconfig cluster's socks5 proxy-url", times: 1 },
  { specifier: '@opentelemetry/api', importer: /[\\/]prom-client[\\/]lib[\\/]metrics[\\/]processCpuTotal\.js$/, usedFor: 'exemplars, which the exporter does not enable', times: 1 },
].map((lazy) => ({ ...lazy, name: `lazy ${lazy.specifier}` }));

/** Tricks with no pattern of their own to break: they apply to whatever the build holds. */
export const GENERAL_TRICKS = ['builtins by require', 'chunks'] as const;

/** Every trick by name, the ones `npm run bench:tricks` removes one at a time. */
export const TRICK_NAMES: readonly string[] = [...SLIM_IMPORTS, ...LAZY_PACKAGES].map((trick) => trick.name).concat(GENERAL_TRICKS);

/**
 * Counts where each trick applies in one build (`applied(name, where)`) and fails the build when
 * one applied other than as its table says. `without` names a trick the build leaves out.
 */
export function trickChecks(without?: string): { enabled(name: string): boolean; applied(name: string, where: string): void; plugin: Plugin } {
  if (without !== undefined && !TRICK_NAMES.includes(without)) throw new Error(`no bundle trick is named "${without}"; the tricks: ${TRICK_NAMES.join(', ')}`);
  const uses = new Map<string, string[]>();
  const off = new Set([without]);
  const expected = new Map<string, number>([...SLIM_IMPORTS, ...LAZY_PACKAGES].map((trick) => [trick.name, trick.times]));
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
            if (off.has(name) || where.length === times) return [];
            const found = where.length === 0 ? 'found nowhere' : `found ${where.length === 1 ? 'once' : `${where.length} times`} (${where.join(', ')})`;
            return [{
              text:
                `bundle trick "${name}" was ${found}, expected ${times === 1 ? 'exactly once' : `exactly ${times} times`}: ` +
                'a dependency changed the import it rewrites. Look at the dependency again, then update the trick in scripts/bundle-tricks.ts, ' +
                'or remove it if `npm run bench:tricks` shows it is no longer worth more than the noise.',
            }];
          });
          return { errors };
        });
      },
    },
  };
}
