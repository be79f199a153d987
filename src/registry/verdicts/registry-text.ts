// Text a registry or token server chose (a challenge's error and error_description, a realm, an
// error body) reaches reasons, logs, Events and the status page. It is bounded and stripped of
// control characters, and whatever secret the exporter sent may have been echoed back in it, so
// every such secret is cut out before a reason leaves the registry client.

/** Characters kept of one piece of registry-chosen text. */
export const MAX_REGISTRY_TEXT = 200;
/** Characters kept of a whole reason. */
export const MAX_REASON = 600;

const REDACTED = '[redacted]';

/** One line, printable, at most `max` characters (an ellipsis marks a cut). */
export function registryText(text: string, max = MAX_REGISTRY_TEXT): string {
  // Cut before cleaning so a huge input costs no more than its first part.
  const head = text.slice(0, max * 4);
  // C0/C1 controls, DEL, and bidi/zero-width format characters that could disguise the text.
  const clean = head.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]+/g, ' ').replace(/ {2,}/g, ' ').trim();
  return clean.length > max || text.length > head.length ? `${clean.slice(0, max - 1)}…` : clean;
}

/**
 * The forms in which a credential travels: its password (or identity token) as is, `user:password`,
 * and the base64 of the Basic header. Tokens are passed as they were sent.
 */
export function credentialSecrets(credential: { username: string; password: string }): string[] {
  const pair = `${credential.username}:${credential.password}`;
  return [credential.password, pair, Buffer.from(pair).toString('base64')];
}

/** `text` with every occurrence of each secret replaced; longest first, so a secret inside another goes with it. */
export function redact(text: string, secrets: Iterable<string>): string {
  let result = text;
  for (const secret of [...new Set(secrets)].filter((s) => s.length > 0).sort((a, b) => b.length - a.length)) {
    result = result.split(secret).join(REDACTED);
  }
  return result;
}
