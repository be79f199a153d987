// How a registry host wants to be authenticated, learnt from its challenge (WWW-Authenticate), and
// the pieces of cache keys that name a credential without holding it.
import { createHash } from 'node:crypto';
import { parseChallenges, type Challenge } from './challenge.js';
import type { Credential } from '../credentials/credentials.js';

export type HostAuth = { scheme: 'none' } | { scheme: 'basic' } | { scheme: 'bearer'; realm: string; service?: string };

export function pickChallenge(header: string | string[] | undefined): Challenge | undefined {
  const values = Array.isArray(header) ? header : header ? [header] : [];
  const challenges = values.flatMap((value) => parseChallenges(value));
  return challenges.find((c) => c.scheme === 'bearer' && c.params.realm && /^https?:\/\//i.test(c.params.realm)) ?? challenges.find((c) => c.scheme === 'basic');
}

export function hostAuthFrom(challenge: Challenge): HostAuth {
  if (challenge.scheme === 'bearer') return { scheme: 'bearer', realm: challenge.params.realm, service: challenge.params.service };
  return { scheme: 'basic' };
}

export function sameAuth(before: HostAuth | undefined, after: HostAuth): boolean {
  return JSON.stringify(before) === JSON.stringify(after);
}

/** A cache key part that identifies a credential without holding it in clear. */
export function credentialId(credential: Credential | undefined): string {
  if (!credential) return 'anonymous';
  return createHash('sha256').update(`${credential.username}\u0000${credential.password}`).digest('base64url');
}
