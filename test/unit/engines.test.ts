// README and package.json promise Node.js 20: every package the lock file installs, development
// ones included, must say it runs there, or `npm ci` on Node 20 prints EBADENGINE warnings.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { repoRoot } from '../support/tools.js';

// semver comes with npm's own dependency tree; it has no types of its own here.
const semver = createRequire(import.meta.url)('semver') as { minVersion(range: string): { version: string }; satisfies(version: string, range: string): boolean };

type Lock = { packages: Record<string, { version?: string; engines?: { node?: string } | string[] }> };

test('every locked package supports the oldest Node.js that package.json accepts', () => {
  const manifest = JSON.parse(readFileSync(`${repoRoot}/package.json`, 'utf8')) as { engines: { node: string } };
  const oldest = semver.minVersion(manifest.engines.node).version;
  expect(oldest.startsWith('20.')).toBe(true);
  const lock = JSON.parse(readFileSync(`${repoRoot}/package-lock.json`, 'utf8')) as Lock;
  const refusing = Object.entries(lock.packages)
    .filter(([path, info]) => path !== '' && !Array.isArray(info.engines) && info.engines?.node && !semver.satisfies(oldest, info.engines.node))
    .map(([path, info]) => `${path}@${info.version} wants node ${(info.engines as { node: string }).node}`);
  expect(refusing).toEqual([]);
});
