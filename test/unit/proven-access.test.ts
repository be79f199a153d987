import { errorBodyOf, saysCredentialsExpired } from '../../src/registry/verdicts/error-body.js';
import { ProvenAccess } from '../../src/registry/auth/proven-access.js';

describe('proven access: which credentials pull other repositories of a registry', () => {
  const clock = { now: 0 };
  const proven = () => new ProvenAccess(60_000, () => clock.now);
  beforeEach(() => {
    clock.now = 1_000_000;
  });

  test('a pull of another repository by the same access, on the same host, proves it; nothing else does', () => {
    const access = proven();
    access.pulled('hub', 'alice', 'team/app');
    expect(access.provenElsewhere('hub', 'alice', 'team/ap')).toBe(true);
    expect(access.provenElsewhere('hub', 'bob', 'team/ap')).toBe(false);
    expect(access.provenElsewhere('other-hub', 'alice', 'team/ap')).toBe(false);
  });

  test('the proof lapses when the access has not pulled for the proof time', () => {
    const access = proven();
    access.pulled('hub', 'alice', 'team/app');
    clock.now += 60_001;
    expect(access.provenElsewhere('hub', 'alice', 'team/ap')).toBe(false);
  });

  test('a refusal of a repository the access pulled before (revoked credentials) forgets the access: the 401 is not read as "absent"', () => {
    const access = proven();
    access.pulled('hub', 'alice', 'team/app');
    access.pulled('hub', 'alice', 'team/lib');
    expect(access.provenElsewhere('hub', 'alice', 'team/app')).toBe(false);
    expect(access.provenElsewhere('hub', 'alice', 'team/ap')).toBe(false);
  });
});

describe('error bodies and expired credentials', () => {
  test('the first error of a distribution error body; anything else is undefined', () => {
    expect(errorBodyOf('{"errors":[{"code":"DENIED","message":"Your authorization token has expired. Reauthenticate and try again."}]}')).toEqual({
      code: 'DENIED',
      message: 'Your authorization token has expired. Reauthenticate and try again.',
    });
    expect(errorBodyOf('<html>forbidden</html>')).toBeUndefined();
    expect(errorBodyOf('{"errors":[]}')).toBeUndefined();
    expect(errorBodyOf('{"errors":[{"code":7}]}')).toEqual({ code: undefined, message: undefined });
  });

  test('ECR says an expired token in its 403 message; ECR Public with a bare 400; other 400s and 403s are not expiry', () => {
    expect(saysCredentialsExpired('123456789012.dkr.ecr.eu-west-1.amazonaws.com', 403, 'Your authorization token has expired. Reauthenticate and try again.')).toBe(true);
    expect(saysCredentialsExpired('123456789012.dkr.ecr.eu-west-1.amazonaws.com', 403, 'User is not authorized to perform ecr:BatchGetImage')).toBe(false);
    expect(saysCredentialsExpired('public.ecr.aws', 400, undefined)).toBe(true);
    expect(saysCredentialsExpired('registry.lab', 400, undefined)).toBe(false);
    expect(saysCredentialsExpired('registry.lab', 403, undefined)).toBe(false);
  });
});
