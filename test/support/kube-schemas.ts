// JSON schemas for kubeconform, generated from a running kube-apiserver's /openapi/v3 (Kubernetes'
// own kinds and the kinds of every CRD applied to it), so the linter validates against exactly
// what the test bed serves and nothing is fetched from the network. Written in the layout
// kubeconform's -schema-location template `{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`
// reads, where kubeconform takes the core group's apiVersion, v1, for its group.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubectl } from './kubectl.js';

/** The -schema-location argument for a directory written by writeKubeSchemas. */
export function schemaLocation(dir: string): string {
  return join(dir, '{{ .Group }}', '{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json');
}

type Schema = { [key: string]: unknown };
type GroupVersionKind = { group: string; version: string; kind: string };
type OpenApiDocument = { components?: { schemas?: Record<string, Schema> } };

async function getRaw(kubeconfig: string, path: string): Promise<unknown> {
  const result = await kubectl(kubeconfig, ['get', '--raw', path], undefined, 60_000);
  if (result.code !== 0) throw new Error(`kubectl get --raw ${path} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/**
 * The API server's schemas made strict as kubeconform's own "-strict" schema sets are: an object
 * that lists its properties takes no others (so a misspelt optional field is a finding, as the API
 * server's strict field validation makes it an error), and `nullable` becomes a JSON-schema null type.
 */
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    // Descriptions are left out: they are most of the size and kubeconform never reads them.
    if (key === 'description') continue;
    if (key === 'default' || key === 'enum' || key === 'example') out[key] = value;
    else out[key] = key === 'properties' ? mapValues(value as Schema, strict) : strict(value);
  }
  if (out.properties && out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) out.additionalProperties = false;
  if (out.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  return out;
}

function mapValues(record: Schema, map: (value: unknown) => unknown): Schema {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value)]));
}

/** The components the named schema refers to, directly or through others, itself included. */
function reachable(schemas: Record<string, Schema>, root: string): Record<string, Schema> {
  const found: Record<string, Schema> = {};
  const pending = [root];
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (found[name] || !schemas[name]) continue;
    found[name] = schemas[name];
    for (const match of JSON.stringify(schemas[name]).matchAll(/"#\/components\/schemas\/([^"]+)"/g)) pending.push(match[1]);
  }
  return found;
}

/**
 * Writes one schema file per kind the API server serves (its group-version documents under
 * /openapi/v3) into dir; each file is the kind's schema with the components it refers to beside it,
 * so its $refs resolve within the file. Returns how many kinds were written.
 */
export async function writeKubeSchemas(kubeconfig: string, dir: string): Promise<number> {
  const index = (await getRaw(kubeconfig, '/openapi/v3')) as { paths: Record<string, unknown> };
  const groupVersions = Object.keys(index.paths).filter((path) => path === 'api/v1' || /^apis\/[^/]+\/[^/]+$/.test(path));
  let written = 0;
  for (const path of groupVersions) {
    const document = (await getRaw(kubeconfig, `/openapi/v3/${path}`)) as OpenApiDocument;
    const schemas = mapValues(document.components?.schemas ?? {}, strict) as Record<string, Schema>;
    const [group, version] = path === 'api/v1' ? ['', 'v1'] : path.split('/').slice(1);
    const groupDir = join(dir, group || version);
    for (const [name, schema] of Object.entries(schemas)) {
      const kinds = (schema['x-kubernetes-group-version-kind'] ?? []) as GroupVersionKind[];
      for (const kind of kinds.filter((gvk) => gvk.group === group && gvk.version === version)) {
        mkdirSync(groupDir, { recursive: true });
        // The kind's schema at the top rather than behind a $ref: kubeconform reports the causes of
        // the top-level failure only.
        writeFileSync(join(groupDir, `${kind.kind.toLowerCase()}_${version}.json`), JSON.stringify({ ...schema, components: { schemas: reachable(schemas, name) } }));
        written++;
      }
    }
  }
  return written;
}
