#!/usr/bin/env node
// STAND-IN Docker credential helper (docker-credential-<name> get), because the real ones keep
// their passwords in a desktop keychain or a cloud service that cannot run here. It answers `get`
// for the server in STAND_IN_HELPER_SERVER with STAND_IN_HELPER_USER / STAND_IN_HELPER_SECRET, and
// like docker-credential-helpers prints "credentials not found in native keychain" and exits 1
// for any other server.
import { readFileSync } from 'node:fs';

const server = readFileSync(0, 'utf8').trim();
if (process.argv[2] !== 'get' || server !== process.env.STAND_IN_HELPER_SERVER) {
  process.stdout.write('credentials not found in native keychain\n');
  process.exit(1);
}
process.stdout.write(JSON.stringify({ ServerURL: server, Username: process.env.STAND_IN_HELPER_USER, Secret: process.env.STAND_IN_HELPER_SECRET }));
