// The flags and the per-registry settings file folded into what the registry client, the
// scheduler and the checker take: one place, so the exporter and the check command agree.
import type { Settings } from '../../settings/config.js';
import type { Logger } from '../../log/log.js';
import type { CredentialProvider } from '../credentials/credential-provider.js';
import { MountedCredentialProvider } from '../credentials/mounted-credentials.js';
import { EVERY_REGISTRY } from '../transport/plain-http.js';
import { canonicalHost, loadRegistrySettings, referenceHost } from './registry-settings.js';

export type RegistryOverrides = {
  insecureSkipVerifyHosts: string[];
  plainHttpHosts: string[];
  /** Loopback registries fall back to plain HTTP unnamed, as Docker and containerd do. */
  plainHttpLoopback: boolean;
  hostCaPems: Map<string, string[]>;
  /** --image-mirror entries, the file's mirrors after them (a flag for the same prefix wins). */
  imageMirrors: string[];
  /** Registry API host → its own concurrency. */
  concurrency: Map<string, number>;
  /** Keep-alive connections per registry: enough for the highest concurrency of any host. */
  connectionsPerOrigin: number;
  providers: CredentialProvider[];
};

type Source = Pick<Settings, 'insecureSkipVerifyRegistries' | 'plainHttpRegistries' | 'imageMirrors' | 'registryConcurrency' | 'registriesFile'>;

export function registryOverrides(settings: Source, log: Pick<Logger, 'warn'>): RegistryOverrides {
  const registries = settings.registriesFile ? loadRegistrySettings(settings.registriesFile) : new Map();
  const insecure = new Set(settings.insecureSkipVerifyRegistries.map(canonicalHost));
  const plainHttp = new Set(settings.plainHttpRegistries.map(canonicalHost));
  const hostCaPems = new Map<string, string[]>();
  const mirrors: string[] = [];
  const concurrency = new Map<string, number>();
  const credentialDirs = new Map<string, string>();
  for (const [host, entry] of registries) {
    if (entry.insecureSkipVerify) insecure.add(host);
    if (entry.plainHttp) plainHttp.add(host);
    if (entry.caPems.length > 0) hostCaPems.set(host, entry.caPems);
    if (entry.mirror) mirrors.push(`${referenceHost(host)}=${entry.mirror}`);
    if (entry.concurrency) concurrency.set(host, entry.concurrency);
    if (entry.credentialsDir) credentialDirs.set(host, entry.credentialsDir);
  }
  // Flags first: Mirrors keeps the first of equal prefixes, so --image-mirror overrides the file.
  const flagPrefixes = new Set(settings.imageMirrors.map((spec) => spec.split('=')[0]));
  const imageMirrors = [...settings.imageMirrors, ...mirrors.filter((spec) => !flagPrefixes.has(spec.split('=')[0]))];
  warnAboutWeakenedTransport(insecure, plainHttp, log);
  return {
    insecureSkipVerifyHosts: [...insecure],
    plainHttpHosts: [...plainHttp],
    plainHttpLoopback: true,
    hostCaPems,
    imageMirrors,
    concurrency,
    connectionsPerOrigin: Math.max(settings.registryConcurrency, ...concurrency.values()),
    providers: credentialDirs.size > 0 ? [new MountedCredentialProvider(credentialDirs, log)] : [],
  };
}

/** Said at every start, so a switch copied from an old setup does not stay unnoticed. */
function warnAboutWeakenedTransport(insecure: Set<string>, plainHttp: Set<string>, log: Pick<Logger, 'warn'>): void {
  if (insecure.has(EVERY_REGISTRY)) {
    log.warn({ registry: EVERY_REGISTRY }, 'TLS certificate verification is OFF for every registry (bare --skip-registry-cert-verification); name the hosts instead to keep it for the others');
  } else {
    for (const host of insecure) log.warn({ registry: host }, 'TLS certificate verification is OFF for this registry');
  }
  if (plainHttp.has(EVERY_REGISTRY)) {
    log.warn(
      { registry: EVERY_REGISTRY },
      'plain HTTP is allowed for every registry (bare --allow-plain-http): when HTTPS fails, checks and credentials go over HTTP; name the hosts instead to keep HTTPS for the others',
    );
  }
}
