// The node's docker config, read as the kubelet reads it (pkg/credentialprovider/config.go,
// ReadDockerConfigFile): the first valid config.json in its root dir, its working directory (/),
// $HOME/.docker (/root/.docker) and /.docker; failing all, the first valid .dockercfg in its root
// dir, /, $HOME (/root) and /. A file that is missing or does not parse is passed over. The
// kubelet keeps what it read for five minutes; so does this. The node's files are read below the
// directory where they are mounted (the chart mounts them read-only from the host).
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { credentialsFromSecret, type KeyringEntry } from '../credentials.js';

const LIFETIME_MS = 5 * 60_000;
const MAX_FILE_BYTES = 1024 * 1024;

export type NodeDockerConfigLog = { warn(detail: object, message: string): void };

/** The files the kubelet tries, in its order, as paths on the node. */
export function kubeletDockerConfigPaths(kubeletRootDir: string): Array<{ path: string; format: 'config.json' | '.dockercfg' }> {
  const jsonDirs = [kubeletRootDir, '/', '/root/.docker', '/.docker'];
  const cfgDirs = [kubeletRootDir, '/', '/root', '/'];
  return [
    ...jsonDirs.map((dir) => ({ path: join(dir, 'config.json'), format: 'config.json' as const })),
    ...cfgDirs.map((dir) => ({ path: join(dir, '.dockercfg'), format: '.dockercfg' as const })),
  ];
}

export class NodeDockerConfig {
  private loaded: { at: number; entries: KeyringEntry[] } | undefined;
  /** Files passed over at the last read because they did not parse, with why: shown in reasons. */
  private skipped: string[] = [];
  private warned = new Set<string>();
  private usedPath: string | undefined;

  /** `mountRoot`: where the node's filesystem root is mounted in the exporter ("/" when it runs on the node). */
  constructor(
    private readonly mountRoot: string,
    private readonly kubeletRootDir: string,
    private readonly log: NodeDockerConfigLog,
    private readonly now: () => number = Date.now,
  ) {}

  entries(): KeyringEntry[] {
    if (!this.loaded || this.now() - this.loaded.at >= LIFETIME_MS) this.loaded = { at: this.now(), entries: this.read() };
    return this.loaded.entries;
  }

  /** The file in use, for reasons: the kubelet's search ends at the first valid one. */
  describe(): string {
    this.entries();
    return this.usedPath ? `node docker config ${this.usedPath}` : "the node's docker config (no file in the kubelet's search paths)";
  }

  /** Why node docker config files were passed over, if any were. */
  skippedReason(): string | undefined {
    return this.skipped.length > 0 ? `node docker config passed over: ${this.skipped.join('; ')}` : undefined;
  }

  private read(): KeyringEntry[] {
    const skipped: string[] = [];
    let found: KeyringEntry[] = [];
    this.usedPath = undefined;
    for (const { path, format } of kubeletDockerConfigPaths(this.kubeletRootDir)) {
      const file = join(this.mountRoot, path);
      let text: string;
      try {
        if (statSync(file).size > MAX_FILE_BYTES) throw Object.assign(new Error(), { code: `larger than ${MAX_FILE_BYTES} bytes` });
        text = readFileSync(file, 'utf8');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'EISDIR') skipped.push(`${path} unreadable (${code})`);
        continue;
      }
      try {
        const type = format === 'config.json' ? 'kubernetes.io/dockerconfigjson' : 'kubernetes.io/dockercfg';
        const field = format === 'config.json' ? '.dockerconfigjson' : '.dockercfg';
        found = credentialsFromSecret(type, { [field]: Buffer.from(text).toString('base64') }, `node docker config ${path}`);
        this.usedPath = path;
        break;
      } catch (error) {
        skipped.push(`${path} ${(error as Error).message}`);
      }
    }
    for (const reason of skipped) {
      if (!this.warned.has(reason)) this.log.warn({ reason }, 'node docker config file passed over, as the kubelet does; fix or remove it');
    }
    this.warned = new Set(skipped);
    this.skipped = skipped;
    return found;
  }
}
