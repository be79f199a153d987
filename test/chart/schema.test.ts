// values.schema.json: every value typed and described, the defaults and the everything-file valid,
// and wrong values refused by the real helm 3 and helm 4 (`helm template` and `helm lint`).
// Also: values.yaml comments every value, chart/README.md's table names every value.
import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, parse, parseDocument, YAMLMap } from 'yaml';
import { chartDir, helms, lint, template } from '../support/helm.js';
import { repoRoot } from '../support/tools.js';

type JsonSchema = {
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
};

const valuesSchema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')) as JsonSchema;
const valuesText = readFileSync(join(chartDir, 'values.yaml'), 'utf8');
const defaults = parse(valuesText) as Record<string, unknown>;
const everything = parse(readFileSync(join(repoRoot, 'test', 'chart', 'values-everything.yaml'), 'utf8')) as Record<
  string,
  unknown
>;

/** Paths of the properties the schema defines (a.b.c), objects with own properties walked into. */
function schemaPaths(schema: JsonSchema, prefix = ''): string[] {
  return Object.entries(schema.properties ?? {}).flatMap(([key, child]) => [
    `${prefix}${key}`,
    ...schemaPaths(child, `${prefix}${key}.`),
  ]);
}

/** Wrong values, each with the key helm's error must name. */
const wrongValues: Array<{ name: string; values: Record<string, unknown>; names: string }> = [
  { name: 'checkInterval as a number', values: { checkInterval: 5 }, names: 'checkInterval' },
  { name: 'registryConcurrency as a word', values: { registryConcurrency: 'many' }, names: 'registryConcurrency' },
  { name: 'checkInterval not a Go duration', values: { checkInterval: '5 minutes' }, names: 'checkInterval' },
  { name: 'ignoredImages as a comma string', values: { ignoredImages: 'a/b,c/d' }, names: 'ignoredImages' },
  { name: 'an ignoredImages item with a comma', values: { ignoredImages: ['a/b,c/d'] }, names: 'ignoredImages' },
  { name: 'logLevel not a level', values: { logLevel: 'verbose' }, names: 'logLevel' },
  { name: 'a misspelt setting', values: { checkIntervall: '5m' }, names: 'checkIntervall' },
  { name: 'an unknown kind', values: { forceCheckDisabledControllers: ['pods'] }, names: 'forceCheckDisabledControllers' },
  { name: 'a registry URL for a host', values: { plainHttpRegistries: ['http://registry.lab'] }, names: 'plainHttpRegistries' },
  // The chart joins list items with commas, which a regular expression may hold: it must be alone.
  { name: 'Go regular expressions next to another pattern', values: { ignoredImages: ['nginx', 'regex:^quay\\.io/'] }, names: 'ignoredImages' },
  { name: 'a metrics format that does not exist', values: { metricsFormat: 'go' }, names: 'metricsFormat' },
  { name: 'a relative CA path', values: { caFiles: ['ca.pem'] }, names: 'caFiles' },
  { name: 'bindAddress as a number', values: { bindAddress: 8080 }, names: 'bindAddress' },
  { name: 'zero concurrent checks', values: { maxConcurrentChecks: 0 }, names: 'maxConcurrentChecks' },
  { name: 'a fractional concurrency', values: { registryConcurrency: 2.5 }, names: 'registryConcurrency' },
  { name: 'image.tag as a number', values: { image: { tag: 1.2 } }, names: 'tag' },
  { name: 'podMonitor.enabled as a string', values: { podMonitor: { enabled: 'yes' } }, names: 'enabled' },
  { name: 'a probe field the chart sets itself', values: { livenessProbe: { httpGet: { path: '/' } } }, names: 'httpGet' },
];

describe('values.schema.json', () => {
  test('types and describes every value, its list items too', () => {
    const missing: string[] = [];
    const visit = (schema: JsonSchema, path: string) => {
      if (!schema.type) missing.push(`${path}: type`);
      if (!schema.description) missing.push(`${path}: description`);
      for (const [key, child] of Object.entries(schema.properties ?? {})) visit(child, `${path}.${key}`);
      if (schema.items && (schema.items.properties || schema.items.type !== 'object')) visit(schema.items, `${path}[]`);
    };
    for (const [key, child] of Object.entries(valuesSchema.properties ?? {})) visit(child, key);
    expect(missing).toEqual([]);
    expect(valuesSchema.additionalProperties).toBe(false);
  });

  test('has a property for each value of values.yaml and a value for each property (global aside)', () => {
    const properties = Object.keys(valuesSchema.properties ?? {}).filter((key) => key !== 'global');
    expect(Object.keys(defaults).sort()).toEqual(properties.sort());
  });

  test('values.yaml and values-everything.yaml are valid for it (ajv, a third validator)', () => {
    const ajv = new Ajv({ allErrors: true, strict: true });
    const validate = ajv.compile(valuesSchema);
    for (const values of [defaults, everything]) {
      validate(values);
      expect(validate.errors ?? []).toEqual([]);
    }
  });

  test('values-everything.yaml sets every value', () => {
    const unset = schemaPaths(valuesSchema).filter((path) => {
      if (path === 'global') return false;
      let node: unknown = everything;
      for (const key of path.split('.')) {
        if (node === null || typeof node !== 'object' || !(key in node)) return true;
        node = (node as Record<string, unknown>)[key];
      }
      return false;
    });
    expect(unset).toEqual([]);
  });
});

describe.each(helms)('$name takes the Go exporter\'s regular expressions', ({ path: binary }) => {
  test('as the only item of ignoredImages, commas inside included, into IAE_IGNORED_IMAGES unchanged', () => {
    const value = 'regex:^registry\\.example\\.com/(team|ops)/~^[a-z]{2,8}:v1$';
    const result = template(binary, { values: { ignoredImages: [value] } });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`value: ${JSON.stringify(value)}`);
  });
});

describe.each(helms)('$name refuses wrong values', ({ path: binary }) => {
  test.each(wrongValues)('$name', ({ values, names }) => {
    for (const result of [template(binary, { values }), lint(binary, { values })]) {
      expect({ command: result.command.split(' ')[1], status: result.status }).toEqual({
        command: result.command.split(' ')[1],
        status: 1,
      });
      expect(result.stdout + result.stderr).toMatch(/schema/i);
      expect(result.stdout + result.stderr).toContain(names);
    }
  });
});

test('values.yaml has a comment above every value', () => {
  const doc = parseDocument(valuesText);
  const undocumented: string[] = [];
  // helm-docs' convention: a comment starting with "--" documents the value as a whole (a
  // Kubernetes object such as resources); any other comment heads a group whose keys each need one.
  const visit = (map: YAMLMap, prefix: string) => {
    map.items.forEach((pair, index) => {
      const key = `${prefix}${String((pair.key as { value: unknown }).value)}`;
      const comment =
        (pair.key as { commentBefore?: string }).commentBefore ?? (index === 0 ? map.commentBefore : undefined);
      if (!comment?.trim()) undocumented.push(key);
      const lastParagraph = (comment ?? '').split(/\n\s*\n/).pop() ?? '';
      if (isMap(pair.value) && !lastParagraph.trim().startsWith('--')) visit(pair.value, `${key}.`);
    });
  };
  visit(doc.contents as YAMLMap, '');
  expect(undocumented).toEqual([]);
});

test('chart/README.md names every value in its table', () => {
  const readme = readFileSync(join(chartDir, 'README.md'), 'utf8');
  const missing = schemaPaths(valuesSchema)
    .filter((path) => path !== 'global')
    .filter((path) => !readme.includes(`| \`${path}\` |`));
  expect(missing).toEqual([]);
});
