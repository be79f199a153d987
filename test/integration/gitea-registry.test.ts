// Gitea's container registry as the differential suite starts it (test/support/gitea-registry.ts):
// its own token endpoint and the access each account of the bed has, asked over plain HTTP, so a
// row of scenarios-gitea.ts that the node does not pull as expected can be told from a bed that
// is set up wrong.
import { request } from 'undici';
import { pushImage } from '../support/image-push.js';
import { startGitea, type GiteaRegistry } from '../support/gitea-registry.js';

let gitea: GiteaRegistry;

beforeAll(async () => {
  gitea = await startGitea();
  for (const repo of ['ref/app', 'hidden/app', 'inner/app', 'members/app']) await pushImage(gitea.pushTarget, repo, 'v1');
}, 120_000);

afterAll(async () => {
  await gitea?.stop();
});

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function tokenFor(authorization?: string, method: 'GET' | 'POST' = 'GET'): Promise<{ status: number; token?: string }> {
  const res = await request(`http://${gitea.host}/v2/token?service=container_registry&scope=repository:x:pull`, { method, headers: authorization ? { authorization } : {} });
  const body = await res.body.text();
  return { status: res.statusCode, token: res.statusCode === 200 ? (JSON.parse(body) as { token: string }).token : undefined };
}

/** The manifest's HEAD with a token from the endpoint for these credentials (none: anonymous). */
async function headWith(repo: string, user?: string, password?: string): Promise<{ status: number; challenge: string }> {
  const { token } = await tokenFor(user === undefined ? undefined : basic(user, password ?? ''));
  if (!token) return { status: -1, challenge: 'no token' };
  const res = await request(`http://${gitea.host}/v2/${repo}/manifests/v1`, { method: 'HEAD', headers: { authorization: `Bearer ${token}` } });
  await res.body.dump();
  return { status: res.statusCode, challenge: String(res.headers['www-authenticate'] ?? '') };
}

test('without a token every request is refused with a Bearer challenge naming the token endpoint; a private owner adds a Basic one', async () => {
  const ask = async (repo: string) => {
    const res = await request(`http://${gitea.host}/v2/${repo}/manifests/v1`, { method: 'HEAD' });
    await res.body.dump();
    return { status: res.statusCode, challenge: res.headers['www-authenticate'] };
  };
  expect(await ask('ref/app')).toEqual({ status: 401, challenge: `Bearer realm="http://${gitea.host}/v2/token",service="container_registry",scope="*"` });
  expect(await ask('hidden/app')).toEqual({ status: 401, challenge: [`Bearer realm="http://${gitea.host}/v2/token",service="container_registry",scope="*"`, 'Basic realm="Gitea Container Registry"'] });
});

test('the token endpoint: GET only (POST 404, on which containerd falls back to GET), anonymous allowed, wrong passwords and tokens without the package scope refused', async () => {
  expect((await tokenFor(basic('hidden', gitea.password('hidden')), 'POST')).status).toBe(404);
  expect((await tokenFor()).status).toBe(200);
  expect((await tokenFor(basic('hidden', gitea.password('hidden')))).status).toBe(200);
  expect((await tokenFor(basic('hidden', gitea.tokens.readPackage))).status).toBe(200);
  expect((await tokenFor(basic(gitea.tokens.readPackage, ''))).status).toBe(200);
  expect((await tokenFor(basic('hidden', 'not-the-password'))).status).toBe(401);
  expect((await tokenFor(basic('hidden', gitea.tokens.readUserOnly))).status).toBe(401);
  expect((await tokenFor(basic('locked', gitea.password('locked')))).status).toBe(401);
});

test("each account reads what the bed says: public owners anyone, a private user its owner, a private organization its members, a limited one any signed-in user that is not restricted", async () => {
  const refused = { status: 401, challenge: 'Basic realm="Gitea Package API"' };
  const read = { status: 200, challenge: '' };
  expect(await headWith('ref/app')).toEqual(read);
  expect(await headWith('hidden/app')).toEqual(refused);
  expect(await headWith('hidden/app', 'hidden', gitea.password('hidden'))).toEqual(read);
  expect(await headWith('hidden/app', 'outsider', gitea.password('outsider'))).toEqual(refused);
  expect(await headWith('inner/app', 'insider', gitea.password('insider'))).toEqual(read);
  expect(await headWith('inner/app', 'outsider', gitea.password('outsider'))).toEqual(refused);
  expect(await headWith('members/app')).toEqual(refused);
  expect(await headWith('members/app', 'outsider', gitea.password('outsider'))).toEqual(read);
  expect(await headWith('members/app', 'restricted', gitea.password('restricted'))).toEqual(refused);
});
