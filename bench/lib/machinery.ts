// The exporter's own check machinery, wired as src/main.ts wires it (minus the cluster watch and
// the HTTP server): RegistryClient → imageChecker → CheckScheduler → CheckResults.
import { imageChecker, type SecretsSource } from '../../src/checks/image-checker.js';
import { CheckResults, type CheckRecord } from '../../src/checks/results.js';
import { CheckScheduler } from '../../src/checks/scheduler.js';
import { loadSettings, type Settings } from '../../src/settings/config.js';
import type { CheckUnit } from '../../src/index/image-index.js';
import { ImageResolver } from '../../src/index/image-resolver.js';
import { RegistryClient } from '../../src/registry/client.js';
import type { CredentialProvider } from '../../src/registry/credentials/credential-provider.js';
import type { Exchange } from '../../src/registry/transport/transport.js';

export const EXPORTER_USER_AGENT = 'k8s-image-availability-exporter/bench';

/** The exporter's defaults, from its own settings schema. */
export function defaults(): Settings {
  return loadSettings([], {});
}

export type Machinery = {
  client: RegistryClient;
  scheduler: CheckScheduler;
  results: CheckResults;
  close(): Promise<void>;
};

export function machinery(options: {
  plainHttpHosts: string[];
  settings?: Partial<Settings>;
  secrets?: SecretsSource;
  /** Credential sources after the pull secrets, as src/registry/credentials/credential-sources.ts builds them. */
  providers?: CredentialProvider[];
  onChecked?: (unit: CheckUnit, record: CheckRecord) => void;
  onExchange?: (exchange: Exchange) => void;
  random?: () => number;
}): Machinery {
  const settings = { ...defaults(), ...options.settings };
  const client = new RegistryClient({
    requestTimeoutMs: settings.registryRequestTimeout,
    caFiles: [],
    insecureSkipVerifyHosts: [],
    plainHttpHosts: options.plainHttpHosts,
    connectionsPerOrigin: settings.registryConcurrency,
    userAgent: EXPORTER_USER_AGENT,
    onExchange: options.onExchange,
  });
  const results = new CheckResults();
  const scheduler = new CheckScheduler({
    intervalMs: settings.checkInterval,
    retryInitialDelayMs: Math.min(settings.retryInitialDelay, settings.checkInterval),
    perRegistryConcurrency: settings.registryConcurrency,
    globalConcurrency: settings.maxConcurrentChecks,
    maxUnits: settings.maxTrackedImages,
    // No jitter unless a case asks for it: the cases measure how fast the machinery checks a
    // burst, which the spread of a burst's first checks over the interval would hide.
    random: options.random ?? (() => 0),
    check: imageChecker(client, options.secrets, options.providers),
    results,
    onChecked: options.onChecked,
  });
  return {
    client,
    scheduler,
    results,
    async close() {
      scheduler.stop();
      await client.close();
    },
  };
}

const resolver = new ImageResolver();

/** A check unit for an image that needs no pull secret, as the image index would make it. */
export function unitOf(image: string): CheckUnit {
  const reference = resolver.resolve(image).checked;
  return { key: reference.normalized, reference, pullSecrets: [] };
}
