// The cloud credential providers a configuration turns on: the settings' parsing (so config.ts can
// refuse a bad value at start) and their construction.
import { AcrProvider, acrImdsUrl, type RegistryFormPost } from './acr.js';
import { CLOUD_NAMES, MetadataHttp, type CloudName, type CloudProvider, type ProviderLog } from './common.js';
import { EcrProvider } from './ecr.js';
import { GcpProvider, gcpMetadataUrl } from './gcp.js';

export { CLOUD_NAMES, type CloudName } from './common.js';

const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$/;

export function isCloudName(value: string): value is CloudName {
  return (CLOUD_NAMES as readonly string[]).includes(value);
}

/** `host=provider` items → provider → extra hosts it serves. Throws with the offending item. */
export function parseCloudHosts(items: string[]): Map<CloudName, string[]> {
  const hosts = new Map<CloudName, string[]>();
  for (const item of items) {
    const [host, name, extra] = item.split('=');
    if (extra !== undefined || !host || !HOST.test(host) || !name || !isCloudName(name)) {
      throw new Error(`"${item}" is not host=provider with provider one of ${CLOUD_NAMES.join(', ')}, e.g. registry.internal:5000=ecr`);
    }
    hosts.set(name, [...(hosts.get(name) ?? []), host.toLowerCase()]);
  }
  return hosts;
}

/** `provider=url` items → provider → base URL (scheme://host[:port]). Throws with the offending item. */
export function parseCloudEndpoints(items: string[]): Map<CloudName, string> {
  const endpoints = new Map<CloudName, string>();
  for (const item of items) {
    const equals = item.indexOf('=');
    const name = item.slice(0, equals);
    let url: URL | undefined;
    try {
      url = new URL(item.slice(equals + 1));
    } catch {
      url = undefined;
    }
    const bare = url && (url.protocol === 'http:' || url.protocol === 'https:') && url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
    if (equals <= 0 || !isCloudName(name) || !bare || endpoints.has(name)) {
      throw new Error(`"${item}" is not provider=URL with provider one of ${CLOUD_NAMES.join(', ')} (once each) and URL http(s)://host[:port], e.g. gcp=http://127.0.0.1:8181`);
    }
    endpoints.set(name, url!.origin);
  }
  return endpoints;
}

/** The settings the providers are built from (src/settings/config.ts). */
export type CloudSettings = {
  cloudCredentials: string[];
  cloudCredentialHosts: string[];
  cloudCredentialEndpoints: string[];
  registryRequestTimeout: number;
};

export type CloudCredentials = {
  providers: CloudProvider[];
  close(): Promise<void>;
};

/**
 * The providers the settings turn on. `registry` carries ACR's token exchange to the registry's own
 * origin; `env` gives GCE_METADATA_HOST and AZURE_CLIENT_ID (the AWS SDK reads its chain itself).
 */
export function cloudCredentialProviders(settings: CloudSettings, registry: { postForm: RegistryFormPost }, log: ProviderLog, env: NodeJS.ProcessEnv): CloudCredentials {
  const hosts = parseCloudHosts(settings.cloudCredentialHosts);
  const endpoints = parseCloudEndpoints(settings.cloudCredentialEndpoints);
  const timeoutMs = settings.registryRequestTimeout;
  const http = new MetadataHttp(timeoutMs);
  const enabled = new Set(settings.cloudCredentials);
  const providers: CloudProvider[] = [];
  let ecr: EcrProvider | undefined;
  if (enabled.has('ecr')) {
    ecr = new EcrProvider({ endpoint: endpoints.get('ecr'), extraHosts: hosts.get('ecr') ?? [], timeoutMs, log });
    providers.push(ecr);
  }
  if (enabled.has('gcp')) {
    const metadataUrl = gcpMetadataUrl(endpoints.get('gcp'), env);
    providers.push(new GcpProvider({ metadataUrl, extraHosts: hosts.get('gcp') ?? [], http, log }));
  }
  if (enabled.has('acr')) {
    providers.push(
      new AcrProvider({
        imdsUrl: acrImdsUrl(endpoints.get('acr')),
        clientId: env.AZURE_CLIENT_ID || undefined,
        extraHosts: hosts.get('acr') ?? [],
        http,
        post: (host, path, form) => registry.postForm(host, path, form),
        log,
      }),
    );
  }
  return {
    providers,
    async close() {
      await Promise.all([http.close(), ecr?.close()]);
    },
  };
}
