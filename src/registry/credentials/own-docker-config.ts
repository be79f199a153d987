// The exporter's own Docker config ($DOCKER_CONFIG/config.json, else ~/.docker/config.json), the
// last credential source of every check, as the Go exporter used it; the check command reads it
// the same way (its --docker-config names another file). Docker's rules: a registry with a
// credHelpers entry, or any registry when credsStore is set, gets its credentials from that helper
// (docker-credential-<name> get); otherwise the "auths" entries match as keyring keys do. The file
// is read again after RELOAD_MS; helper answers are kept as long, failures for FAILURE_MS.
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ExecLimits } from './bounded-exec.js';
import type { CredentialProvider } from './credential-provider.js';
import { credentialsFromHelper, CredentialHelperError } from './credential-helper.js';
import { credentialsFromSecret, matchCredentials, SecretFormatError, type Credential, type KeyringEntry } from './credentials.js';
import { DOCKER_HUB, repositoryName, type ImageReference } from '../references/reference.js';

const RELOAD_MS = 5 * 60_000;
const FAILURE_MS = 60_000;
const MAX_FILE_BYTES = 1024 * 1024;
const MAX_HELPER_ANSWERS = 1000;
// The key the Docker CLI stores and asks helpers for Docker Hub under.
const DOCKER_HUB_SERVER = 'https://index.docker.io/v1/';

type Parsed = { entries: KeyringEntry[]; credsStore?: string; credHelpers: Record<string, string>; found: boolean };
type HelperResult = { credential?: Credential; failure?: string; until: number };

export type OwnDockerConfigLog = { warn(detail: object, message: string): void };

/** The default path: $DOCKER_CONFIG/config.json, else ~/.docker/config.json. */
export function defaultDockerConfigPath(env: NodeJS.ProcessEnv): string {
  return join(env.DOCKER_CONFIG || join(homedir(), '.docker'), 'config.json');
}

export class DockerConfigFileError extends Error {}

export class OwnDockerConfigProvider implements CredentialProvider {
  private loaded: { at: number; parsed: Parsed } | undefined;
  private readonly helperAnswers = new Map<string, HelperResult>();
  private readonly source: string;

  /** `required`: the file was named explicitly, so its absence is an error, not "no credentials". */
  constructor(
    private readonly path: string,
    private readonly limits: ExecLimits,
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: OwnDockerConfigLog,
    private readonly required = false,
    private readonly now: () => number = Date.now,
  ) {
    this.source = `docker config ${path}`;
  }

  /** Reads the file now: a named file that is missing or broken stops the caller with one line. */
  load(): void {
    this.loaded = { at: this.now(), parsed: this.read() };
  }

  async credentialsFor(reference: ImageReference): Promise<Credential[]> {
    if (!this.loaded || this.now() - this.loaded.at >= RELOAD_MS) {
      try {
        this.load();
      } catch (error) {
        this.log.warn({ file: this.path, reason: (error as Error).message }, 'own docker config unusable; checking without it');
        this.loaded = { at: this.now(), parsed: { entries: [], credHelpers: {}, found: false } };
      }
    }
    const parsed = this.loaded!.parsed;
    const host = reference.registry.toLowerCase();
    const helper = parsed.credHelpers[host] ?? parsed.credsStore;
    if (helper) {
      const credential = await this.fromHelper(helper, host === DOCKER_HUB ? DOCKER_HUB_SERVER : host);
      return credential ? [credential] : [];
    }
    return matchCredentials(parsed.entries, repositoryName(reference));
  }

  consulted(): string | undefined {
    return this.loaded?.parsed.found ? this.source : undefined;
  }

  unavailableReason(reference: ImageReference): string | undefined {
    const host = reference.registry.toLowerCase();
    const parsed = this.loaded?.parsed;
    const helper = parsed && (parsed.credHelpers[host] ?? parsed.credsStore);
    if (!helper) return undefined;
    return this.helperAnswers.get(`${helper}\u0000${host === DOCKER_HUB ? DOCKER_HUB_SERVER : host}`)?.failure;
  }

  private async fromHelper(helper: string, server: string): Promise<Credential | undefined> {
    const key = `${helper}\u0000${server}`;
    const known = this.helperAnswers.get(key);
    if (known && known.until > this.now()) return known.credential;
    let result: HelperResult;
    try {
      const answer = await credentialsFromHelper(helper, server, this.limits, this.env);
      if ('missing' in answer) result = { until: this.now() + RELOAD_MS };
      else if (answer.username === '<token>') {
        // An identity token is a refresh token for an OAuth flow, not a password a registry takes.
        result = { failure: `docker-credential-${helper} holds an identity token for ${server}, which the exporter cannot use; store a username and password`, until: this.now() + RELOAD_MS };
      } else result = { credential: { username: answer.username, password: answer.secret, source: `${this.source} (docker-credential-${helper})` }, until: this.now() + RELOAD_MS };
    } catch (error) {
      if (!(error instanceof CredentialHelperError)) throw error;
      result = { failure: error.message, until: this.now() + FAILURE_MS };
    }
    if (result.failure && known?.failure !== result.failure) this.log.warn({ helper, server, reason: result.failure }, 'docker credential helper gave no credentials; checking without them');
    if (this.helperAnswers.size >= MAX_HELPER_ANSWERS) this.helperAnswers.delete(this.helperAnswers.keys().next().value as string);
    this.helperAnswers.set(key, result);
    return result.credential;
  }

  private read(): Parsed {
    let text: string;
    try {
      if (statSync(this.path).size > MAX_FILE_BYTES) throw new DockerConfigFileError(`${this.source} is larger than ${MAX_FILE_BYTES} bytes`);
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if (error instanceof DockerConfigFileError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && !this.required) return { entries: [], credHelpers: {}, found: false };
      throw new DockerConfigFileError(`cannot read ${this.source}: ${code}`);
    }
    let document: Record<string, unknown>;
    try {
      document = JSON.parse(text);
      if (document === null || typeof document !== 'object' || Array.isArray(document)) throw new Error();
    } catch {
      throw new DockerConfigFileError(`${this.source} is not a JSON object`);
    }
    const credsStore = typeof document.credsStore === 'string' && document.credsStore !== '' ? document.credsStore : undefined;
    const credHelpers: Record<string, string> = {};
    if (document.credHelpers !== null && typeof document.credHelpers === 'object') {
      for (const [host, helper] of Object.entries(document.credHelpers as Record<string, unknown>)) {
        if (typeof helper === 'string' && helper !== '') credHelpers[host.toLowerCase().replace(/^https?:\/\//, '').replace(/\/.*$/, '')] = helper;
      }
    }
    // Entries a helper holds the password of are empty ({}) in "auths"; only the others count here.
    const auths = Object.fromEntries(Object.entries((document.auths ?? {}) as Record<string, unknown>).filter(([, entry]) => entry !== null && typeof entry === 'object' && Object.keys(entry as object).length > 0));
    try {
      const data = { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths })).toString('base64') };
      return { entries: credentialsFromSecret('kubernetes.io/dockerconfigjson', data, this.source), credsStore, credHelpers, found: true };
    } catch (error) {
      if (error instanceof SecretFormatError) throw new DockerConfigFileError(`${this.source}: ${error.message}`);
      throw error;
    }
  }
}
