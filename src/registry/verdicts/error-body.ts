// What a registry's error body and status say beyond the status alone: the first error of a
// distribution error body (docs/spec/api.md, "Errors"), and whether the registry refused the
// credentials as expired, which registries say in their own words.

/** ECR's message for an expired authorization token (403 DENIED; aws/aws-cli#6580, amazon-ecr-credential-helper#118). */
const EXPIRED_TOKEN_MESSAGE = /authorization token has expired/i;
/**
 * ECR Public answers an expired or invalid token with 400 and no challenge
 * (aws/containers-roadmap#2835), where other registries answer 401.
 */
const ECR_PUBLIC_HOST = 'public.ecr.aws';

export type ErrorBody = { code?: string; message?: string };

/** The first error of `{"errors":[{"code":…,"message":…}]}`; undefined for anything else. The body is already bounded by the transport. */
export function errorBodyOf(body: string | undefined): ErrorBody | undefined {
  if (!body) return undefined;
  try {
    const first = (JSON.parse(body) as { errors?: Array<{ code?: unknown; message?: unknown }> })?.errors?.[0];
    if (!first) return undefined;
    return {
      code: typeof first.code === 'string' ? first.code : undefined,
      message: typeof first.message === 'string' ? first.message : undefined,
    };
  } catch {
    return undefined;
  }
}

export function saysCredentialsExpired(host: string, httpStatus: number, message: string | undefined): boolean {
  if (httpStatus === 403) return message !== undefined && EXPIRED_TOKEN_MESSAGE.test(message);
  return httpStatus === 400 && host.toLowerCase() === ECR_PUBLIC_HOST;
}
