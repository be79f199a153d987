// promtool's rule linter (check rules --lint=all --lint-fatal) on monitoring/'s rule files and on the
// rules of the PrometheusRule the chart renders with every value set (extra rule labels, runbook
// links), which no other rule check reads. pint, the field's fuller rule linter, is not served by
// the Go module proxy this project can reach (docs/development.md).
import { join } from 'node:path';
import { stringify } from 'yaml';
import { helm3, operatorApiVersions, render } from '../support/helm.js';
import { promtool, repoRoot, run, scratchFile } from '../support/tools.js';

const lint = (file: string) => run(promtool(), ['check', 'rules', '--lint=all', '--lint-fatal', file]);

test('promtool check rules --lint=all finds nothing in monitoring/\'s rules or the rules of the PrometheusRule the chart renders', () => {
  const prometheusRule = render(helm3, {
    valuesFiles: [join(repoRoot, 'test', 'chart', 'values-everything.yaml')],
    apiVersions: operatorApiVersions,
  }).find((object) => object.kind === 'PrometheusRule')!;
  const renderedRules = scratchFile('prometheusrule.rules.yaml', stringify(prometheusRule.spec));
  for (const file of [join(repoRoot, 'monitoring', 'alerts.rules.yaml'), join(repoRoot, 'monitoring', 'alerts.unified.rules.yaml'), renderedRules]) {
    const result = lint(file);
    expect({ file, status: result.status, stderr: result.stderr }).toEqual({ file, status: 0, stderr: '' });
  }
});

test('the linter fails on a rule written twice, so a clean run means something', () => {
  const rule = { record: 'job:up:sum', expr: 'sum by (job) (up)' };
  const file = scratchFile('duplicate.rules.yaml', stringify({ groups: [{ name: 'twice', rules: [rule, rule] }] }));
  const result = lint(file);
  expect(result.status).not.toBe(0);
  expect(result.stdout + result.stderr).toContain('duplicate');
});
