import { readFileSync } from 'node:fs';
import { minimumText, schema } from '../../src/settings/config.js';

describe('docs/settings.md settings table', () => {
  const readme = readFileSync(new URL('../../docs/settings.md', import.meta.url), 'utf8');
  test.each(Object.entries(schema))('%s is documented with its flag, env var and default', (key, entry) => {
    const row = readme.split('\n').find((line) => line.startsWith(`| \`--${entry.arg}\` |`));
    expect(row).toBeDefined();
    expect(row).toContain(`\`${entry.env}\``);
    expect(row).toContain(`\`${key}\``);
    const fallback = Array.isArray(entry.default) ? entry.default.join(',') : String(entry.default);
    if (fallback) expect(row).toContain(`\`${fallback}\``);
    if ('minimum' in entry) expect(row).toContain(`at least \`${minimumText(entry)}\``);
  });
});
