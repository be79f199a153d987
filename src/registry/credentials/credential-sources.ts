// Every credential source after the pull secrets, in the order a check tries them; the exporter and
// the check command build the same list. The kubelet's own (node docker config, credential provider
// plugins) come first, as the kubelet looks them up right after the pull secrets; then the
// exporter's additions (mounted Secrets of the registries file, cloud identity); the exporter's own
// Docker config last, as the Go exporter used it.
import type { CredentialProvider } from './credential-provider.js';
import { kubeletCredentials, type KubeletCredentialSettings } from './kubelet/kubelet-credentials.js';
import type { PluginLog } from './kubelet/plugin-provider.js';
import { defaultDockerConfigPath, OwnDockerConfigProvider } from './own-docker-config.js';

export type CredentialSourceSettings = KubeletCredentialSettings & { dockerConfigCredentials: boolean; registryRequestTimeout: number };

// A helper answers with one credential; more than this is a helper gone wrong.
const MAX_HELPER_STDOUT_BYTES = 64 * 1024;

export function credentialSources(
  settings: CredentialSourceSettings,
  exporterSources: CredentialProvider[],
  log: PluginLog,
  env: NodeJS.ProcessEnv,
  /** A Docker config file named explicitly (the check command's --docker-config): used even when dockerConfigCredentials is off, and must exist. */
  dockerConfigFile?: string,
): CredentialProvider[] {
  const kubelet = kubeletCredentials(settings, log, env);
  const sources: CredentialProvider[] = [...(kubelet ? [kubelet] : []), ...exporterSources];
  if (dockerConfigFile || settings.dockerConfigCredentials) {
    const limits = { timeoutMs: settings.registryRequestTimeout, maxStdoutBytes: MAX_HELPER_STDOUT_BYTES };
    const own = new OwnDockerConfigProvider(dockerConfigFile ?? defaultDockerConfigPath(env), limits, env, log, dockerConfigFile !== undefined);
    // A file named explicitly is read now, so a missing or broken one stops the command with one line.
    if (dockerConfigFile) own.load();
    sources.push(own);
  }
  return sources;
}
