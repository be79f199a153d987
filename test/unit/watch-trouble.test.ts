import { watchProblem, WatchTrouble } from '../../src/kube/watch-trouble.js';

describe('why the cluster watch fails, each with its own fix', () => {
  test('401 is the credentials (kubeconfig or token), not RBAC', () => {
    const problem = watchProblem('serviceaccounts', 401, 'HTTP 401 from the API server: Unauthorized');
    expect(problem.level).toBe('error');
    expect(problem.message).toMatch(/^the API server does not accept the exporter's credentials \(401\) for serviceaccounts: .*token .* is wrong or expired; fix the kubeconfig/);
    expect(problem.message).not.toContain('ClusterRole');
  });

  test('403 is RBAC: the ClusterRole and how to see what it allows', () => {
    const problem = watchProblem('jobs.batch', 403, 'forbidden');
    expect(problem.level).toBe('error');
    expect(problem.message).toBe('not allowed to list and watch jobs.batch cluster-wide (403): the exporter\'s ClusterRole needs list and watch on jobs.batch; kubectl auth can-i list jobs.batch --as=system:serviceaccount:<namespace>:<name> shows what it may do');
  });

  test('no HTTP answer (a network error code is no status) is the API server out of reach', () => {
    for (const code of [undefined, 'ECONNREFUSED']) {
      expect(watchProblem('serviceaccounts', code, 'connect ECONNREFUSED 127.0.0.1:1').message).toBe(
        "the API server cannot be reached to watch serviceaccounts (connect ECONNREFUSED 127.0.0.1:1): check the kubeconfig's server address and the network to it; retrying",
      );
    }
  });

  test('the notice lasts while any watch fails, keeps the start of the oldest problem, and goes when all recover', () => {
    const trouble = new WatchTrouble();
    expect(trouble.notice()).toBeUndefined();
    const before = Date.now();
    trouble.failed('serviceaccounts', watchProblem('serviceaccounts', undefined, 'connect ECONNREFUSED 127.0.0.1:1'));
    trouble.failed('deployments', watchProblem('deployments', undefined, 'connect ECONNREFUSED 127.0.0.1:1'));
    trouble.failed('serviceaccounts', watchProblem('serviceaccounts', undefined, 'connect ECONNREFUSED 127.0.0.1:1'));
    const notice = trouble.notice()!;
    const since = Date.parse(/^Since (\S+) /.exec(notice)![1]);
    expect(since).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(notice).toContain('the API server cannot be reached to watch serviceaccounts');
    expect(notice).toMatch(/\(and 1 more watch failing\)$/);
    trouble.recovered('serviceaccounts');
    expect(trouble.notice()).toContain('to watch deployments');
    trouble.recovered('deployments');
    expect(trouble.notice()).toBeUndefined();
  });
});
