// A published Go module's files, downloaded through the Go module proxy (`go mod download`,
// checksums verified against the Go checksum database) into the Go module cache; the repository
// keeps none of their source.
import { cacheDir, run, which } from './tools.js';

/** The directory of module@version in the Go module cache; downloads it the first time. */
export function goModuleDir(module: string, version: string, why: string): string {
  const go = process.env.GO || which('go');
  if (!go) throw new Error(`go not found: ${why} come from the ${module} Go module; install Go (test/install-prereqs.sh) or set GO`);
  // Outside any module, so the repository's go.mod files are neither read nor changed.
  const result = run(go, ['mod', 'download', '-json', `${module}@${version}`], { cwd: cacheDir, env: { ...process.env, GO111MODULE: 'on', GOFLAGS: '-mod=mod' }, timeoutMs: 300_000 });
  const answer = JSON.parse(result.stdout || '{}') as { Dir?: string; Error?: string };
  if (!answer.Dir) throw new Error(`go mod download ${module}@${version} failed: ${answer.Error ?? result.stderr.trim()}`);
  return answer.Dir;
}
