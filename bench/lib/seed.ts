// Seeding the real registry cheaply: one real image per repository (the harness's push helper:
// blobs and manifest), then the same manifest PUT under many more tags, which costs the registry
// a tag link instead of an upload.
import { Agent, request } from 'undici';
import { HARNESS_USER_AGENT } from '../../test/support/image-push.js';
import type { TestRegistry } from '../../test/support/registry.js';
import { repoName, tagName } from './seeded-names.js';
import { pool } from './stats.js';

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

function authorization(registry: TestRegistry): Record<string, string> {
  if (registry.auth === 'none') return {};
  if (registry.auth === 'htpasswd') {
    const { username, password } = registry.admin!;
    return { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
  }
  throw new Error('seed: token-mode tagging is not needed by the bench');
}

/**
 * `repos` repositories with tags t0…t(tagsPerRepo-1) each, all pointing at one small image per
 * repository. Requests carry the harness's User-Agent, so `registry.requests()` leaves them out.
 */
export async function seedTags(registry: TestRegistry, repos: number, tagsPerRepo: number, concurrency = 8): Promise<void> {
  const agent = new Agent({ connections: concurrency });
  try {
    const manifests: Buffer[] = [];
    await pool(Array.from({ length: repos }, (_, i) => i), concurrency, async (i) => {
      await registry.pushImage(repoName(i), tagName(0));
      const res = await request(`${registry.url}/v2/${repoName(i)}/manifests/${tagName(0)}`, {
        dispatcher: agent,
        headers: { accept: DOCKER_MANIFEST, 'user-agent': HARNESS_USER_AGENT, ...authorization(registry) },
      });
      if (res.statusCode !== 200) throw new Error(`seed: GET manifest of ${repoName(i)} answered ${res.statusCode}`);
      manifests[i] = Buffer.from(await res.body.arrayBuffer());
    });
    const puts: Array<[number, number]> = [];
    for (let t = 1; t < tagsPerRepo; t++) for (let r = 0; r < repos; r++) puts.push([r, t]);
    await pool(puts, concurrency, async ([r, t]) => {
      const res = await request(`${registry.url}/v2/${repoName(r)}/manifests/${tagName(t)}`, {
        method: 'PUT',
        dispatcher: agent,
        headers: { 'content-type': DOCKER_MANIFEST, 'user-agent': HARNESS_USER_AGENT, ...authorization(registry) },
        body: manifests[r],
      });
      await res.body.dump();
      if (res.statusCode !== 201) throw new Error(`seed: PUT ${repoName(r)}:${tagName(t)} answered ${res.statusCode}`);
    });
  } finally {
    await agent.close();
  }
}
