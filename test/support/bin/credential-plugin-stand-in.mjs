#!/usr/bin/env node
// STAND-IN kubelet credential provider plugin, for the protocol's edge cases a real plugin does not
// show on demand (cache key types, failures, hangs, junk and endless output). It speaks the exec
// protocol credentialprovider.kubelet.k8s.io: reads the CredentialProviderRequest on stdin, answers
// as STAND_IN_MODE says, with the user, password, auth key, cacheKeyType and cacheDuration of its
// STAND_IN_* environment (set per provider by the config's env, as the kubelet passes it). Each
// run appends the requested image to STAND_IN_LOG, so tests can count runs.
import { appendFileSync, readFileSync } from 'node:fs';

const env = process.env;
const request = JSON.parse(readFileSync(0, 'utf8'));
if (env.STAND_IN_LOG) appendFileSync(env.STAND_IN_LOG, `${request.image}\n`);

const mode = env.STAND_IN_MODE ?? 'ok';
if (mode === 'hang') setInterval(() => undefined, 1000);
else if (mode === 'fail') {
  process.stderr.write('stand-in: cannot reach the token service\n');
  process.exit(3);
} else if (mode === 'junk') process.stdout.write('<html>not a response</html>\n');
else if (mode === 'huge') {
  const chunk = 'x'.repeat(64 * 1024);
  const write = () => {
    while (process.stdout.write(chunk));
    process.stdout.once('drain', write);
  };
  write();
} else {
  const response = {
    kind: 'CredentialProviderResponse',
    apiVersion: mode === 'wrong-api' ? 'credentialprovider.kubelet.k8s.io/v1alpha1' : request.apiVersion,
    cacheKeyType: env.STAND_IN_CACHE_KEY_TYPE ?? 'Registry',
    ...(env.STAND_IN_CACHE_DURATION ? { cacheDuration: env.STAND_IN_CACHE_DURATION } : {}),
    auth: { [env.STAND_IN_AUTH_KEY ?? request.image.split('/')[0]]: { username: env.STAND_IN_USER ?? '', password: env.STAND_IN_PASSWORD ?? '' } },
  };
  process.stdout.write(JSON.stringify(response));
}
