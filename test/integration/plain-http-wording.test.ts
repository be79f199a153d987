// --allow-plain-http has one description everywhere a user reads it, and it is what the client does
// against the real registry served over plain HTTP: HTTPS first, then HTTP, then HTTP only.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { schema } from '../../src/settings/config.js';
import { RegistryClient } from '../../src/registry/client.js';
import { parseReference } from '../../src/registry/references/reference.js';
import type { Exchange } from '../../src/registry/transport/transport.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { repoRoot } from '../support/tools.js';

const WORDING = 'HTTPS is tried first; when it gets no HTTP answer (refused, TLS handshake failed, timed out)';

describe('--allow-plain-http', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'none' });
    await registry.pushImage('team/app', 'v1');
  });
  afterAll(() => registry?.stop());

  test('the first check tries HTTPS, fails without an HTTP answer, and repeats over HTTP; later checks go to HTTP directly', async () => {
    expect(registry.url).toMatch(/^http:/);
    const exchanges: Exchange[] = [];
    const client = new RegistryClient({
      requestTimeoutMs: 5000,
      caFiles: [],
      insecureSkipVerifyHosts: [],
      plainHttpHosts: [registry.host],
      connectionsPerOrigin: 2,
      userAgent: 'iae-test',
      onExchange: (exchange) => exchanges.push(exchange),
    });
    const reference = parseReference(`${registry.host}/team/app:v1`);
    try {
      expect((await client.check(reference, [])).status).toBe('available');
      const first = exchanges.splice(0);
      // The HTTPS attempt got no HTTP status (a TLS error code), then HTTP answered.
      expect(first[0].outcome).not.toMatch(/^\d+$/);
      expect(first.slice(1).every((exchange) => /^\d+$/.test(exchange.outcome))).toBe(true);
      expect((await client.check(reference, [])).status).toBe('available');
      expect(exchanges.length).toBeGreaterThan(0);
      expect(exchanges.every((exchange) => /^\d+$/.test(exchange.outcome))).toBe(true);
    } finally {
      await client.close();
    }
  });

  test('docs/settings.md, --help, chart README, values.yaml and values.schema.json say exactly that', () => {
    const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8').replace(/\s*\n#?\s*/g, ' ');
    const readmeRow = read('docs/settings.md').split('| `--allow-plain-http` |')[1]?.split('\n')[0] ?? '';
    const chartRow = readFileSync(join(repoRoot, 'chart', 'README.md'), 'utf8').split('\n').find((line) => line.startsWith('| `plainHttpRegistries` |')) ?? '';
    const schemaText = (JSON.parse(readFileSync(join(repoRoot, 'chart', 'values.schema.json'), 'utf8')) as { properties: { plainHttpRegistries: { description: string } } })
      .properties.plainHttpRegistries.description;
    const valuesComment = read('chart/values.yaml');
    expect(parse(readFileSync(join(repoRoot, 'chart', 'values.yaml'), 'utf8'))).toHaveProperty('plainHttpRegistries');
    for (const [where, text] of Object.entries({ 'docs/settings.md': readmeRow, '--help': schema.plainHttpRegistries.doc, 'chart README': chartRow, 'values.yaml': valuesComment })) {
      expect({ where, says: text.includes(WORDING) }).toEqual({ where, says: true });
    }
    expect(schemaText).toContain('HTTPS is tried first');
    for (const text of [readmeRow, schema.plainHttpRegistries.doc, chartRow, schemaText]) {
      expect(text).not.toMatch(/instead of HTTPS|when HTTPS fails/);
      expect(text).toContain('until the exporter restarts');
    }
  });
});
