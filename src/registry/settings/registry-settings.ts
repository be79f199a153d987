// The per-registry settings file (--registries-file): one entry per registry host instead of a
// flag per concern, for installations with many registries.
//
//   registries:
//     registry.internal:5000:
//       ca: |                      # PEM, trusted for this host only (or caFile: /path.pem)
//         -----BEGIN CERTIFICATE-----
//       insecureSkipVerify: false
//       plainHttp: false
//       concurrency: 8             # checks in flight against this host
//       mirror: mirror.internal/hub  # check images of this host at the mirror instead
//       credentialsDir: /etc/registry-credentials/internal  # a mounted Secret
//
// The flags still apply; the file adds to them, and its concurrency overrides --registry-concurrency.
import { existsSync, readFileSync } from 'node:fs';
import { parseFile } from '../../settings/config-file.js';
import { DOCKER_HUB, DOCKER_HUB_API_HOST } from '../references/reference.js';

export type RegistrySettings = {
  /** PEM certificates trusted for this host, next to the system roots and --capath. */
  caPems: string[];
  insecureSkipVerify: boolean;
  plainHttp: boolean;
  concurrency?: number;
  mirror?: string;
  /** Directory of a mounted Secret: basic-auth (username, password) or .dockerconfigjson. */
  credentialsDir?: string;
};

export class RegistrySettingsError extends Error {}

const KEYS = new Set(['ca', 'caFile', 'insecureSkipVerify', 'plainHttp', 'concurrency', 'mirror', 'credentialsDir']);
const HOST = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$|^\[[0-9a-f:.]+\](:[0-9]{1,5})?$/;

/** Reads and validates the file; every error names the host and the field. */
export function loadRegistrySettings(path: string): Map<string, RegistrySettings> {
  let document: Record<string, unknown>;
  try {
    document = parseFile(path, 'registries file');
  } catch (error) {
    throw new RegistrySettingsError((error as Error).message.split('\n')[0]);
  }
  return parseRegistrySettings(document, `registries file ${path}`);
}

export function parseRegistrySettings(document: unknown, source = 'registries file'): Map<string, RegistrySettings> {
  const fail = (message: string): never => {
    throw new RegistrySettingsError(`${source}: ${message}`);
  };
  if (document === null || document === undefined) return new Map();
  if (!isObject(document)) return fail('expected a mapping with a "registries" key');
  const unknownTop = Object.keys(document).filter((key) => key !== 'registries');
  if (unknownTop.length > 0) fail(`unknown key "${unknownTop[0]}" (only "registries")`);
  const registries = document.registries ?? {};
  if (!isObject(registries)) return fail('"registries" must map registry hosts to their settings');

  const result = new Map<string, RegistrySettings>();
  for (const [rawHost, entry] of Object.entries(registries)) {
    const host = canonicalHost(rawHost);
    const at = (field: string) => `registries."${rawHost}".${field}`;
    if (!HOST.test(host)) fail(`"${rawHost}" is not a registry host (host or host:port)`);
    if (result.has(host)) fail(`"${rawHost}" appears twice (as ${host})`);
    const settings: RegistrySettings = { caPems: [], insecureSkipVerify: false, plainHttp: false };
    if (entry === null || entry === undefined) {
      result.set(host, settings);
      continue;
    }
    if (!isObject(entry)) fail(`registries."${rawHost}" must be a mapping`);
    const fields = entry as Record<string, unknown>;
    for (const key of Object.keys(fields)) if (!KEYS.has(key)) fail(`unknown field ${at(key)} (known: ${[...KEYS].join(', ')})`);

    if (fields.ca !== undefined) settings.caPems.push(pem(fields.ca, at('ca'), fail));
    if (fields.caFile !== undefined) {
      const file = nonEmptyString(fields.caFile, at('caFile'), fail);
      let content = '';
      try {
        content = readFileSync(file, 'utf8');
      } catch (error) {
        fail(`${at('caFile')}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      }
      settings.caPems.push(pem(content, at('caFile'), fail));
    }
    settings.insecureSkipVerify = boolean(fields.insecureSkipVerify, at('insecureSkipVerify'), fail);
    settings.plainHttp = boolean(fields.plainHttp, at('plainHttp'), fail);
    if (fields.concurrency !== undefined) {
      const value = fields.concurrency;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) fail(`${at('concurrency')} must be a positive integer, not ${JSON.stringify(value)}`);
      settings.concurrency = value as number;
    }
    if (fields.mirror !== undefined) settings.mirror = nonEmptyString(fields.mirror, at('mirror'), fail).replace(/\/+$/, '');
    if (fields.credentialsDir !== undefined) {
      settings.credentialsDir = nonEmptyString(fields.credentialsDir, at('credentialsDir'), fail);
      // A missing directory is reported now; its contents are read at check time (they rotate).
      if (!existsSync(settings.credentialsDir)) fail(`${at('credentialsDir')}: ${settings.credentialsDir} does not exist`);
    }
    result.set(host, settings);
  }
  return result;
}

/** Host as requests go to it: lower case, Docker Hub's names folded into its API host. */
export function canonicalHost(host: string): string {
  const lower = host.trim().toLowerCase();
  return lower === DOCKER_HUB || lower === 'index.docker.io' ? DOCKER_HUB_API_HOST : lower;
}

/** The host as image references name it (docker.io for Docker Hub): what mirrors match. */
export function referenceHost(host: string): string {
  return host === DOCKER_HUB_API_HOST ? DOCKER_HUB : host;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown, field: string, fail: (message: string) => never): string {
  if (typeof value !== 'string' || value.trim() === '') return fail(`${field} must be a non-empty string`);
  return value.trim();
}

function boolean(value: unknown, field: string, fail: (message: string) => never): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') return fail(`${field} must be true or false, not ${JSON.stringify(value)}`);
  return value;
}

function pem(value: unknown, field: string, fail: (message: string) => never): string {
  const text = nonEmptyString(value, field, fail);
  if (!text.includes('-----BEGIN CERTIFICATE-----')) fail(`${field} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  return text;
}
