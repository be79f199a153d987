// Credentials from a Secret mounted as a directory (the per-registry settings file's
// credentialsDir): a kubernetes.io/basic-auth Secret (files username and password) or a
// kubernetes.io/dockerconfigjson one (file .dockerconfigjson). Re-read at most every RELOAD_MS, so a
// rotated Secret is picked up without a restart.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../log/log.js';
import type { CredentialProvider } from './credential-provider.js';
import { credentialsFromSecret, matchCredentials, SecretFormatError, type Credential } from './credentials.js';
import { repositoryName, type ImageReference } from '../references/reference.js';
import { canonicalHost } from '../settings/registry-settings.js';

const RELOAD_MS = 30_000;

type Loaded = { at: number; credentials: (reference: ImageReference) => Credential[] };

export class MountedCredentialProvider implements CredentialProvider {
  private readonly loaded = new Map<string, Loaded>();

  /** `dirs`: registry host (canonical) → directory of its mounted Secret. */
  constructor(
    private readonly dirs: ReadonlyMap<string, string>,
    private readonly log: Pick<Logger, 'warn'>,
    private readonly now: () => number = Date.now,
  ) {}

  async credentialsFor(reference: ImageReference): Promise<Credential[]> {
    const host = canonicalHost(reference.registry);
    const dir = this.dirs.get(host);
    if (!dir) return [];
    let entry = this.loaded.get(host);
    if (!entry || this.now() - entry.at >= RELOAD_MS) {
      entry = { at: this.now(), credentials: this.read(host, dir) };
      this.loaded.set(host, entry);
    }
    return entry.credentials(reference);
  }

  private read(host: string, dir: string): (reference: ImageReference) => Credential[] {
    const source = `credentialsDir of ${host}`;
    try {
      const username = readOptional(join(dir, 'username'));
      const password = readOptional(join(dir, 'password'));
      if (username !== undefined && password !== undefined) {
        const credential = { username: username.replace(/\r?\n$/, ''), password: password.replace(/\r?\n$/, ''), source };
        return () => [credential];
      }
      const dockerConfig = readOptional(join(dir, '.dockerconfigjson'));
      if (dockerConfig !== undefined) {
        const entries = credentialsFromSecret('kubernetes.io/dockerconfigjson', { '.dockerconfigjson': Buffer.from(dockerConfig).toString('base64') }, source);
        return (reference) => matchCredentials(entries, repositoryName(reference));
      }
      this.log.warn({ registry: host, dir }, 'credentialsDir has neither username+password nor .dockerconfigjson; checking anonymously');
    } catch (error) {
      // SecretFormatError names what is wrong, never the content; other errors are I/O.
      const reason = error instanceof SecretFormatError ? error.message : (error as NodeJS.ErrnoException).code ?? 'unreadable';
      this.log.warn({ registry: host, dir, reason }, 'cannot use credentialsDir; checking anonymously');
    }
    return () => [];
  }
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
