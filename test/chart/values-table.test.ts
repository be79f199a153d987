// chart/README.md's values table is generated (scripts/values-table.ts) from values.schema.json
// (types, descriptions) and values.yaml (defaults, order): the committed table must be what the
// generator writes, so a value changed in one place cannot leave the documentation behind.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TABLE_END, TABLE_START, valuesTable, withValuesTable, type ValueSchema } from '../../scripts/values-table.js';
import { chartDir } from '../support/helm.js';

const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')) as ValueSchema;
const valuesYaml = readFileSync(join(chartDir, 'values.yaml'), 'utf8');
const readme = readFileSync(join(chartDir, 'README.md'), 'utf8');

test('chart/README.md holds the values table generated from values.schema.json and values.yaml', () => {
  const committed = readme.slice(readme.indexOf(TABLE_START), readme.indexOf(TABLE_END) + TABLE_END.length);
  const generated = withValuesTable(`${TABLE_START}${TABLE_END}`, valuesTable(schema, valuesYaml));
  if (committed !== generated) {
    throw new Error('chart/README.md\'s values table differs from values.schema.json and values.yaml: run `npm run values-table` and commit chart/README.md');
  }
});

test('a description changed in values.schema.json changes the generated table', () => {
  const changed = structuredClone(schema);
  changed.properties!.bindAddress!.description = 'Exporter setting bindAddress (IAE_BIND_ADDRESS): where the server listens.';
  const table = valuesTable(changed, valuesYaml);
  expect(table).toContain('| `bindAddress` | `IAE_BIND_ADDRESS` | string | `":8080"` | Where the server listens. |');
  expect(table).not.toBe(valuesTable(schema, valuesYaml));
});

test('a default changed in values.yaml changes the generated table', () => {
  const table = valuesTable(schema, valuesYaml.replace(/^checkInterval: 5m$/m, 'checkInterval: 10m'));
  expect(table).toMatch(/^\| `checkInterval` \| `IAE_CHECK_INTERVAL` \| string \| `"10m"` \|/m);
});

test('a README without the markers is refused with what to do', () => {
  expect(() => withValuesTable('# chart', 'table')).toThrow('put them back where the table goes');
});
