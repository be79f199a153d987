// A Docker credential helper (docker-credential-<name> get): the server URL on stdin, a JSON
// {ServerURL, Username, Secret} on stdout, or a non-zero exit when it has nothing for that server.
// Found on PATH, as the Docker CLI finds it; time- and size-bounded like every outside call.
import { ExecError, runBounded, type ExecLimits } from './bounded-exec.js';

export type HelperAnswer = { username: string; secret: string } | { missing: true };

export class CredentialHelperError extends Error {}

const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export async function credentialsFromHelper(helper: string, serverUrl: string, limits: ExecLimits, env: NodeJS.ProcessEnv): Promise<HelperAnswer> {
  const program = `docker-credential-${helper}`;
  if (!HELPER_NAME.test(helper)) throw new CredentialHelperError(`credential helper name ${JSON.stringify(helper.slice(0, 40))} is not a plain program name`);
  let stdout: string;
  try {
    ({ stdout } = await runBounded(program, ['get'], serverUrl, env, limits));
  } catch (error) {
    if (!(error instanceof ExecError)) throw error;
    // The helpers' own word for "no entry" (docker-credential-helpers' errCredentialsNotFound).
    if (/credentials not found/i.test(error.stdout) || /credentials not found/i.test(error.message)) return { missing: true };
    const hint = /ENOENT/.test(error.message) ? ` (is ${program} on PATH?)` : '';
    throw new CredentialHelperError(`${program} get for ${serverUrl} ${error.message}${hint}`);
  }
  let answer: unknown;
  try {
    answer = JSON.parse(stdout);
  } catch {
    throw new CredentialHelperError(`${program} get for ${serverUrl} answered with something that is not JSON`);
  }
  const fields = answer as { Username?: unknown; Secret?: unknown };
  if (answer === null || typeof answer !== 'object' || typeof fields.Username !== 'string' || typeof fields.Secret !== 'string') {
    throw new CredentialHelperError(`${program} get for ${serverUrl} answered without a Username and Secret`);
  }
  return { username: fields.Username, secret: fields.Secret };
}
