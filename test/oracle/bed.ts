// The test bed of the differential suite: one API server (ServiceAccount admission on), one real
// node (kubelet + containerd), the registries every scenario pulls from, and the exporter checking
// the same pods. Content scenarios run on each registry implementation; the auth, TLS and failure
// scenarios on distribution 2.8 and on the servers in front of it; Gitea's own access rows on it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { startExporter, type TestExporter } from '../support/exporter.js';
import type { HostileServer } from '../support/hostile-server.js';
import type { PushTarget } from '../support/image-push.js';
import { startNode, type NodeRegistry, type TestNode } from '../support/node.js';
import { startGitea, type GiteaRegistry } from '../support/gitea-registry.js';
import { freePort } from '../support/processes.js';
import { startImplementation, type ImplementationName, type RunningImplementation } from '../support/registry-implementations.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { startTcpFront, type TcpFront } from '../support/tcp-front.js';
import { createTestCa, issueRefusedServerCert } from '../support/test-ca.js';
import * as failing from './failure-servers.js';
import { startHosted, type Hosted } from './hosted-registries.js';
import { seededRegistries, type SeededRegistries } from './seeded-registry.js';

export type Implementation = 'distribution-2.8' | ImplementationName;
export const IMPLEMENTATIONS: Implementation[] = ['distribution-2.8', 'distribution-v3', 'ggcr', 'gitea'];

/** A registry that content scenarios push to and pull from anonymously (Gitea: public owners, through its anonymous token). */
export type ContentTarget = { implementation: Implementation; host: string; push: PushTarget };

export const USERS = { alice: 'alice-password', carol: 'carol-password', dave: 'dave-password', erin: 'erin-password' };

export type Bed = {
  api: ApiServer;
  node: TestNode;
  exporter: TestExporter;
  content: Record<Implementation, ContentTarget>;
  /** Gitea's registry with its users, organizations and tokens (gitea-registry.ts). */
  gitea: GiteaRegistry;
  /** htpasswd (Basic): alice may pull everything. */
  basic: TestRegistry;
  /** Token auth: carol pulls everything, dave only team-a/*, erin's password is right but the token server answers 403; anyone pulls public/*. */
  token: TestRegistry;
  /** HTTPS with a CA the node and the exporter trust; HTTPS with a CA neither knows. */
  tlsTrusted: TestRegistry;
  tlsUnknown: TestRegistry;
  /** distribution 2.8's content behind TLS with an expired certificate, with one for another name (their CA trusted), and as plain HTTP where the node expects HTTPS. */
  expired: TcpFront;
  wrongName: TcpFront;
  plainAsHttps: TcpFront;
  /** distribution 2.8's content under localhost:PORT. */
  localhost: string;
  closedPort: string;
  failures: Record<'hung' | 'internalError' | 'badGateway' | 'rateLimited' | 'redirect' | 'endlessBody', HostileServer>;
  /** Hosted registries' dialects in front of distribution 2.8's content (hosted-registries.ts). */
  hosted: Hosted;
  /** The generated registries, one host per seed (seed-plan.ts), started by the rows that need them. */
  seeded: SeededRegistries;
  stop(): Promise<void>;
};

export async function startBed(): Promise<Bed> {
  const stops: Array<() => Promise<unknown>> = [];
  const started = <T extends { stop(): Promise<unknown> }>(thing: T): T => {
    stops.push(() => thing.stop());
    return thing;
  };
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch(() => {});
  };
  try {
    // Each is remembered for stop() as soon as it is up, so a failure of another leaks none.
    const [api, d28, basic, token, tlsTrusted, tlsUnknown, gitea] = await Promise.all([
      startApiServer({ serviceAccounts: true }).then(started),
      startRegistry({ auth: 'none' }).then(started),
      startRegistry({ auth: 'htpasswd', users: { alice: USERS.alice } }).then(started),
      startRegistry({ auth: 'token', users: USERS, grants: { carol: ['*'], dave: ['team-a/*'] }, anonymousGrants: ['public/*'], tokenForbidden: ['erin'] }).then(started),
      startRegistry({ auth: 'none', tls: true }).then(started),
      startRegistry({ auth: 'none', tls: true }).then(started),
      startGitea().then(started),
    ]);
    const v3 = started(await startImplementation('distribution-v3'));
    const ggcr = started(await startImplementation('ggcr'));
    const implementations: Record<ImplementationName, RunningImplementation> = { 'distribution-v3': v3, ggcr, gitea };

    const caDir = await mkdtemp(join(tmpdir(), 'iae-oracle-ca-'));
    stops.push(() => rm(caDir, { recursive: true, force: true }));
    const frontCa = await createTestCa(caDir);
    const [expired, wrongName, plainAsHttps] = await Promise.all([
      issueRefusedServerCert(frontCa, 'expired', 'expired').then((cert) => startTcpFront(d28.host, cert)).then(started),
      issueRefusedServerCert(frontCa, 'wrong-name', 'wrong-name').then((cert) => startTcpFront(d28.host, cert)).then(started),
      startTcpFront(d28.host).then(started),
    ]);
    const failures = {
      hung: started(await failing.startHungServer()),
      internalError: started(await failing.startInternalErrorServer()),
      badGateway: started(await failing.startBadGatewayServer()),
      rateLimited: started(await failing.startRateLimitedServer()),
      redirect: started(await failing.startRedirectServer(d28.host)),
      endlessBody: started(await failing.startEndlessBodyServer()),
    };
    const hosted = await startHosted(d28.host);
    for (const server of Object.values(hosted)) stops.push(() => server.stop());
    const closedPort = `127.0.0.1:${await freePort()}`;
    const localhost = `localhost:${d28.host.split(':')[1]}`;

    const plain = [d28.host, v3.host, ggcr.host, gitea.host, basic.host, token.host, localhost, closedPort, ...Object.values(failures).map((server) => server.host), ...Object.values(hosted).map((server) => server.host)];
    const nodeRegistries: NodeRegistry[] = [
      ...plain.map((host) => ({ host, plainHttp: true })),
      { host: tlsTrusted.host, caFile: tlsTrusted.caFile },
      // No CA: containerd verifies with the system's roots only.
      { host: tlsUnknown.host },
      { host: expired.host, caFile: frontCa.caFile },
      { host: wrongName.host, caFile: frontCa.caFile },
      { host: plainAsHttps.host },
    ];
    const node = await startNode(api, nodeRegistries, { parallelImagePulls: true, unthrottledPulls: true });
    stops.push(() => node.stop());
    const seeded = started(seededRegistries(d28.host, (host) => node.runtime.addRegistry({ host, plainHttp: true })));
    const exporter = started(
      await startExporter({
        kubeconfig: api.kubeconfigPath,
        checkPods: true,
        caFiles: [tlsTrusted.caFile!, frontCa.caFile],
        // Credentials come from the pods' pull secrets only, as on the node.
        dockerConfigCredentials: false,
        cloudCredentials: [],
      }),
    );
    const agent = new Agent();
    stops.push(() => agent.close());
    const content: Record<Implementation, ContentTarget> = {
      'distribution-2.8': { implementation: 'distribution-2.8', host: d28.host, push: { url: d28.url, dispatcher: agent, authorization: async () => undefined } },
      'distribution-v3': { implementation: 'distribution-v3', host: v3.host, push: implementations['distribution-v3'].pushTarget },
      ggcr: { implementation: 'ggcr', host: ggcr.host, push: implementations.ggcr.pushTarget },
      gitea: { implementation: 'gitea', host: gitea.host, push: gitea.pushTarget },
    };
    return { api, node, exporter, content, gitea, basic, token, tlsTrusted, tlsUnknown, expired, wrongName, plainAsHttps, localhost, closedPort, failures, hosted, seeded, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
