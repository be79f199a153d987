// WWW-Authenticate parsing (RFC 7235 auth-params) for the two schemes registries use:
// Basic, and Bearer with realm/service/scope per the Docker token authentication spec.

export type Challenge = {
  scheme: 'basic' | 'bearer' | string;
  params: Record<string, string>;
};

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/** All challenges of one header value; unparsable tails are dropped, never thrown. */
export function parseChallenges(header: string | undefined): Challenge[] {
  if (!header) return [];
  const challenges: Challenge[] = [];
  let i = 0;
  const text = header.slice(0, 8192);

  const skipSpace = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  const readToken = () => {
    const start = i;
    while (i < text.length && TOKEN_CHAR.test(text[i])) i++;
    return text.slice(start, i);
  };
  // Lenient: some registries send unquoted URLs, which are not RFC tokens.
  const readBareValue = () => {
    const start = i;
    while (i < text.length && text[i] !== ',' && text[i] !== ' ' && text[i] !== '\t') i++;
    return text.slice(start, i);
  };
  const readQuoted = () => {
    let value = '';
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\' && i + 1 < text.length) i++;
      value += text[i++];
    }
    i++; // closing quote
    return value;
  };

  while (i < text.length) {
    skipSpace();
    while (text[i] === ',') {
      i++;
      skipSpace();
    }
    const scheme = readToken();
    if (!scheme) break;
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);
    for (;;) {
      skipSpace();
      const mark = i;
      const name = readToken();
      skipSpace();
      if (!name || text[i] !== '=') {
        // Not a parameter: the next challenge's scheme (or junk the outer loop stops on).
        i = mark;
        break;
      }
      i++; // '='
      skipSpace();
      const value = text[i] === '"' ? readQuoted() : readBareValue();
      challenge.params[name.toLowerCase()] = value;
      skipSpace();
      if (text[i] === ',') {
        i++;
        continue;
      }
      break;
    }
  }
  return challenges;
}
