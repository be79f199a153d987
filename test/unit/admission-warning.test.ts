import { warningFor } from '../../src/admission/admission-decision.js';

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
