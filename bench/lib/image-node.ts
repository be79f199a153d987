// The node binary the cases that measure the exporter as it ships run it with: the Node.js major
// version of the image's runtime stage (Dockerfile, `FROM …/nodejsNN-…`), because memory differs
// between majors for the same code (BENCHMARKS.md, case 4: a bare Node 22 is about 2 MiB larger
// than Node 20, and its https, tls and crypto modules cost 3 MiB more). $BENCH_NODE when set;
// else this process's own node when its major is the image's; else the official binary of that
// major from the npm registry (package node-linux-<arch>, the build nodejs.org publishes),
// unpacked once into test/.cache. When none can be had the cases run on this process's node and
// say so.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, run } from '../../test/support/tools.js';
import { runtimeBaseImage } from './image-node-flags.js';

export type NodeBinary = {
  path: string;
  /** `node --version` of that binary, e.g. v22.23.3. */
  version: string;
  /** Set when the binary is not the image's major: why, for the report. */
  note?: string;
};

/** The major version of the image's runtime stage, from its distroless base image name. */
export function imageNodeMajor(): number {
  const major = /nodejs(\d+)/.exec(runtimeBaseImage());
  if (!major) throw new Error("the Dockerfile's last stage is not FROM …/nodejsNN-…, the form the benchmarks read the Node major from");
  return Number(major[1]);
}

function versionOf(path: string): string {
  const result = run(path, ['--version']);
  if (result.status !== 0) throw new Error(`${path} --version exited ${result.status}: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

/** The newest release of `major` from the npm registry, unpacked into test/.cache/node-vMAJOR. */
function fetchedNode(major: number): string {
  const dir = join(cacheDir, `node-v${major}-${process.arch}`);
  const binary = join(dir, 'bin', 'node');
  if (existsSync(binary)) return binary;
  if (process.platform !== 'linux') throw new Error(`the npm registry's node-linux-* builds run on Linux only, not on ${process.platform}`);
  const partial = `${dir}.${process.pid}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const pack = run('npm', ['pack', `node-linux-${process.arch}@${major}`, '--pack-destination', partial, '--silent'], { timeoutMs: 600_000 });
  const tarball = pack.stdout.trim().split('\n').pop();
  if (pack.status !== 0 || !tarball) throw new Error(`npm pack node-linux-${process.arch}@${major} failed: ${(pack.stderr || pack.stdout).trim().slice(0, 300)}`);
  const untar = run('tar', ['-xzf', join(partial, tarball), '-C', partial, '--strip-components=1']);
  if (untar.status !== 0) throw new Error(`unpacking ${tarball} failed: ${untar.stderr.trim().slice(0, 300)}`);
  rmSync(join(partial, tarball));
  // Renamed when complete, so an interrupted download is never taken for a binary.
  renameSync(partial, dir);
  return binary;
}

let chosen: NodeBinary | undefined;

/** The node the exporter's processes run with in the cases (cached for the run). */
export function imageNode(): NodeBinary {
  if (chosen) return chosen;
  const major = imageNodeMajor();
  if (process.env.BENCH_NODE) return (chosen = { path: process.env.BENCH_NODE, version: versionOf(process.env.BENCH_NODE) });
  const own = { path: process.execPath, version: process.version };
  if (Number(process.versions.node.split('.')[0]) === major) return (chosen = own);
  try {
    const path = fetchedNode(major);
    return (chosen = { path, version: versionOf(path) });
  } catch (error) {
    const note = `the image's Node ${major} could not be had (${(error as Error).message}); these figures are ${process.version}'s: set BENCH_NODE to a Node ${major} binary`;
    return (chosen = { ...own, note });
  }
}
