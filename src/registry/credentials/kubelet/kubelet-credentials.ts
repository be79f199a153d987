// The credentials the kubelet itself holds, besides pull secrets: the node's docker config and
// its credential provider plugins. The kubelet puts what they give for an image into one keyring
// and tries the matching entries, most specific key first; so does this provider. The checker
// asks it after the pull secrets, as the kubelet looks up pull secrets first.
import type { CredentialProvider } from '../credential-provider.js';
import { matchCredentials, type Credential } from '../credentials.js';
import { repositoryName, type ImageReference } from '../../references/reference.js';
import { NodeDockerConfig } from './node-docker-config.js';
import { loadPluginConfig } from './plugin-config.js';
import { PluginProvider, type PluginLog } from './plugin-provider.js';

/** The settings the kubelet's credential sources are built from (src/settings/config.ts). */
export type KubeletCredentialSettings = {
  imageCredentialProviderConfig: string;
  imageCredentialProviderBinDir: string;
  imageCredentialProviderTimeout: number;
  nodeDockerConfigRoot: string;
  kubeletRootDir: string;
};

// Plugins answer with a few credentials; more than this is a plugin gone wrong.
const MAX_PLUGIN_STDOUT_BYTES = 256 * 1024;

/**
 * The kubelet's credential sources the settings turn on, or undefined when none is. Plugins in
 * service-account-token mode are left out with a warning: the kubelet asks a token for each pod's
 * service account to run them, which the exporter does not do.
 */
export function kubeletCredentials(settings: KubeletCredentialSettings, log: PluginLog, env: NodeJS.ProcessEnv): KubeletCredentialProvider | undefined {
  const nodeConfig = settings.nodeDockerConfigRoot ? new NodeDockerConfig(settings.nodeDockerConfigRoot, settings.kubeletRootDir, log) : undefined;
  const configs = settings.imageCredentialProviderConfig ? loadPluginConfig(settings.imageCredentialProviderConfig, settings.imageCredentialProviderBinDir) : [];
  const limits = { timeoutMs: settings.imageCredentialProviderTimeout, maxStdoutBytes: MAX_PLUGIN_STDOUT_BYTES };
  const plugins: PluginProvider[] = [];
  for (const config of configs) {
    if (config.usesServiceAccountToken) {
      log.warn({ plugin: config.name }, 'kubelet credential provider in service-account-token mode (tokenAttributes) is not run by the exporter; images it serves are checked without it');
    } else {
      plugins.push(PluginProvider.exec(config, log, limits, env));
    }
  }
  for (const plugin of plugins) log.info({ plugin: plugin.config.name, matchImages: plugin.config.matchImages }, 'kubelet credential provider plugin registered');
  if (nodeConfig) {
    const inUse = nodeConfig.describe();
    if (nodeConfig.entries().length === 0) {
      log.warn({ nodeDockerConfigRoot: settings.nodeDockerConfigRoot, found: inUse }, "no credentials in the node's docker config below nodeDockerConfigRoot: check that the node's config.json is mounted there at its path on the node");
    } else log.info({ found: inUse }, "node docker config in use");
  }
  return nodeConfig || plugins.length > 0 ? new KubeletCredentialProvider(nodeConfig, plugins) : undefined;
}

export class KubeletCredentialProvider implements CredentialProvider {
  constructor(
    private readonly nodeConfig: NodeDockerConfig | undefined,
    private readonly plugins: PluginProvider[],
  ) {}

  async credentialsFor(reference: ImageReference): Promise<Credential[]> {
    const image = repositoryName(reference);
    const fromPlugins = await Promise.all(this.plugins.map((plugin) => plugin.entries(image)));
    return matchCredentials([...(this.nodeConfig?.entries() ?? []), ...fromPlugins.flat()], image);
  }

  consulted(reference: ImageReference): string | undefined {
    const image = repositoryName(reference);
    const plugins = this.plugins.filter((plugin) => plugin.matches(image)).map((plugin) => `kubelet credential provider ${plugin.config.name}`);
    if (this.plugins.length > 0 && plugins.length === 0) plugins.push(`the kubelet credential providers (no matchImages entry covers ${image})`);
    const node = this.nodeConfig ? [this.nodeConfig.describe()] : [];
    return [...node, ...plugins].join(', ') || undefined;
  }

  unavailableReason(reference: ImageReference): string | undefined {
    const image = repositoryName(reference);
    const reasons = this.plugins.map((plugin) => plugin.failureFor(image));
    reasons.push(this.nodeConfig?.skippedReason());
    const present = reasons.filter((reason): reason is string => !!reason);
    return present.length > 0 ? present.join('; ') : undefined;
  }
}
