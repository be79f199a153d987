import { AdmissionDecider, warningFor } from '../../src/admission/admission-decision.js';
import { CheckResults } from '../../src/checks/results.js';
import { ImageFilter } from '../../src/index/image-filter.js';
import { ImageIndex } from '../../src/index/image-index.js';
import type { CheckResult } from '../../src/registry/client.js';

describe('admission warnings for absent images', () => {
  test('a 404 is quoted as one', () => {
    expect(warningFor('registry.lab/team/app:v2', { status: 'absent', message: 'tag v2 is not in registry.lab/team/app (404): push the tag', failure: 'tag-absent' }, 'Deployment')).toBe(
      'image registry.lab/team/app:v2 does not exist in its registry (404); pods of this Deployment will fail with ImagePullBackOff: push it or fix the reference',
    );
  });

  test('a 401 to credentials that pull other repositories there claims no 404: absent or private, with the reason', () => {
    const warning = warningFor('docker.io/library/ngnix:1', { status: 'absent', message: 'registry-1.docker.io refuses library/ngnix anonymously though it lets the same access pull other repositories', failure: 'absent-or-private' }, 'Deployment');
    expect(warning).toBe(
      'image docker.io/library/ngnix:1 does not exist in its registry or is private to other accounts (registry-1.docker.io refuses library/ngnix anonymously though it lets the same access pull other repositories); pods of this Deployment will fail with ImagePullBackOff: fix the reference or the pull secret',
    );
    expect(warning).not.toContain('404');
  });
});

describe('admission.deny refuses what no credential fixes: a 404, not a name refused to the credentials', () => {
  const decide = async (result: CheckResult) => {
    const index = new ImageIndex(new ImageFilter([]), { unitAdded: () => {}, unitRemoved: () => {} });
    const options = { deny: true, liveBudgetMs: 1000, maxLiveChecks: 4, checkDisabled: new Set<never>(), checkPods: false, checkJobs: false, extraWorkloads: [] };
    const decider = new AdmissionDecider(index, new CheckResults(), async () => result, options);
    const object = { metadata: { name: 'web' }, spec: { replicas: 1, template: { spec: { containers: [{ name: 'app', image: 'registry.lab/team/ap:v1' }] } } } };
    const request = { uid: 'u', group: 'apps', kind: 'Deployment', resource: { group: 'apps', version: 'v1', resource: 'deployments' }, operation: 'CREATE', namespace: 'shop', name: 'web', dryRun: false, object, oldObject: undefined };
    return decider.decide(request);
  };

  test('absent (404) → denied', async () => {
    expect((await decide({ status: 'absent', message: 'tag v1 is not in registry.lab/team/ap (404)', failure: 'tag-absent' })).outcome).toBe('denied');
  });

  test('absent or private (a 401 to credentials that pull elsewhere) → warned only, as other credential problems', async () => {
    const decision = await decide({ status: 'absent', message: 'registry.lab refuses team/ap anonymously though it lets the same access pull other repositories', failure: 'absent-or-private' });
    expect(decision).toMatchObject({ allowed: true, outcome: 'warned' });
  });
});
