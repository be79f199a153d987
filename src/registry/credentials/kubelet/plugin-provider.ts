// One kubelet credential provider plugin as the kubelet uses it (pkg/credentialprovider/plugin):
// asked only for images its matchImages match; its answers cached under the key its cacheKeyType
// names (the image, its registry host, or one global entry) for the cacheDuration it gives, else
// the provider's defaultCacheDuration, not at all when that is 0; a cached answer looked up by
// image, then registry, then global key; concurrent requests for one image share one run. A run
// that fails gives nothing (the kubelet then pulls with what else it has) and its reason is kept
// for the checks of that image, and logged when it starts or changes.
import { keyMatches, keyringKey, type KeyringEntry } from '../credentials.js';
import { execPlugin, PluginError, type PluginLimits, type PluginResponse } from './plugin-exec.js';
import type { PluginProviderConfig } from './plugin-config.js';

export type PluginLog = {
  warn(detail: object, message: string): void;
  info(detail: object, message: string): void;
};

/** Runs the plugin for an image; replaceable so the cache rules can be tested without processes. */
export type PluginRunner = (provider: PluginProviderConfig, image: string) => Promise<PluginResponse>;

type CacheEntry = { entries: KeyringEntry[]; expiresAt: number };

const GLOBAL_KEY = '\u0000global';
// The kubelet sweeps expired answers every 15 minutes; the bound keeps a plugin answering with
// Image keys for every image of a large cluster from growing the cache without end.
const PURGE_INTERVAL_MS = 15 * 60_000;
const MAX_CACHE_ENTRIES = 20_000;
const MAX_REMEMBERED_FAILURES = 10_000;
// Runs of one plugin at once: a first round of checks over many images (Image cache keys) would
// otherwise start one process per check slot.
const MAX_CONCURRENT_RUNS = 4;

export class PluginProvider {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<KeyringEntry[]>>();
  /** Image → why the plugin's last run for it failed. */
  private readonly failures = new Map<string, string>();
  private lastPurge: number;
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly config: PluginProviderConfig,
    private readonly log: PluginLog,
    private readonly run: PluginRunner,
    private readonly now: () => number = Date.now,
  ) {
    this.lastPurge = now();
  }

  static exec(config: PluginProviderConfig, log: PluginLog, limits: PluginLimits, env: NodeJS.ProcessEnv): PluginProvider {
    return new PluginProvider(config, log, (provider, image) => execPlugin(provider, image, limits, env));
  }

  /** Whether the kubelet would ask this plugin about the image (repository without tag or digest). */
  matches(image: string): boolean {
    // The kubelet matches matchImages with the same URLsMatchStr as keyring keys.
    return this.config.matchImages.some((pattern) => keyMatches(pattern, image));
  }

  /** The plugin's auth entries for the image, from the cache or a run; none when it does not match or fails. */
  async entries(image: string): Promise<KeyringEntry[]> {
    if (!this.matches(image)) return [];
    const cached = this.cached(image);
    if (cached) return cached;
    let running = this.inFlight.get(image);
    if (!running) {
      running = this.fetch(image).finally(() => this.inFlight.delete(image));
      this.inFlight.set(image, running);
    }
    return running;
  }

  /** Why the plugin gave nothing for this image at its last run, while that lasts. */
  failureFor(image: string): string | undefined {
    return this.failures.get(image);
  }

  private async fetch(image: string): Promise<KeyringEntry[]> {
    let response: PluginResponse;
    await this.slot();
    // An answer for the registry (or all) may have come in while this run waited for its slot.
    const meanwhile = this.cached(image);
    if (meanwhile) {
      this.release();
      return meanwhile;
    }
    try {
      response = await this.run(this.config, image);
    } catch (error) {
      const reason = error instanceof PluginError ? error.message : `credential provider plugin ${this.config.name} failed: ${(error as Error).message}`;
      if (this.failures.get(image) !== reason) this.log.warn({ plugin: this.config.name, image, reason }, 'kubelet credential provider plugin gave no credentials; checking without them');
      if (this.failures.size >= MAX_REMEMBERED_FAILURES) this.failures.delete(this.failures.keys().next().value as string);
      this.failures.set(image, reason);
      return [];
    } finally {
      this.release();
    }
    if (this.failures.delete(image)) this.log.info({ plugin: this.config.name, image }, 'kubelet credential provider plugin answers again');
    const source = `kubelet credential provider ${this.config.name}`;
    const entries: KeyringEntry[] = [];
    for (const { key: location, username, password } of response.auth) {
      // A key the kubelet cannot parse is left out of its keyring; so it is here.
      const key = keyringKey(location);
      if (key !== undefined) entries.push({ key, credential: { username, password, source } });
    }
    const durationMs = response.cacheDurationMs ?? this.config.defaultCacheDurationMs;
    if (durationMs > 0) {
      const key = response.cacheKeyType === 'Image' ? image : response.cacheKeyType === 'Registry' ? registryOf(image) : GLOBAL_KEY;
      this.store(key, { entries, expiresAt: this.now() + durationMs });
    }
    return entries;
  }

  private async slot(): Promise<void> {
    if (this.running < MAX_CONCURRENT_RUNS) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Hands the slot to the next waiting run, if any, else frees it. */
  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }

  private cached(image: string): KeyringEntry[] | undefined {
    const now = this.now();
    if (now - this.lastPurge >= PURGE_INTERVAL_MS) {
      for (const [key, entry] of this.cache) if (now > entry.expiresAt) this.cache.delete(key);
      this.lastPurge = now;
    }
    for (const key of [image, registryOf(image), GLOBAL_KEY]) {
      const entry = this.cache.get(key);
      if (!entry) continue;
      if (now > entry.expiresAt) {
        this.cache.delete(key);
        continue;
      }
      return entry.entries;
    }
    return undefined;
  }

  private store(key: string, entry: CacheEntry): void {
    this.cache.delete(key);
    if (this.cache.size >= MAX_CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, entry);
  }
}

/** The kubelet's parseRegistry: everything before the first slash, port included. */
function registryOf(image: string): string {
  return image.split('/')[0];
}
