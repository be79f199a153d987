// The parts of Go's standard library the kubelet's keyring leans on (net/url.Parse,
// net.SplitHostPort, path/filepath.Match), reproduced for the inputs it gives them so that odd
// keys (percent escapes, user info, queries, brackets, globs) are matched as the kubelet does.
// Strings are handled as Go does, byte by byte: callers pass text through toBytes first.

/** A string whose characters are the UTF-8 bytes of `text`, so comparisons and slicing are per byte like Go's. */
export function toBytes(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** Host (with port, escapes decoded) and path (escapes decoded) of an absolute URL; undefined where url.Parse fails. */
export function parseGoUrl(raw: string): { host: string; path: string } | undefined {
  const hash = raw.indexOf('#');
  const beforeFragment = hash === -1 ? raw : raw.slice(0, hash);
  if (hash !== -1 && unescape(raw.slice(hash + 1), 'other') === undefined) return undefined;
  if (/[\x00-\x1f\x7f]/.test(beforeFragment)) return undefined;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(beforeFragment);
  if (!scheme) return undefined;
  let rest = beforeFragment.slice(scheme[0].length);
  const question = rest.indexOf('?');
  if (question !== -1) rest = rest.slice(0, question);
  if (!rest.startsWith('//')) return undefined;
  rest = rest.slice(2);
  const slash = rest.indexOf('/');
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const rawPath = slash === -1 ? '' : rest.slice(slash);
  const at = authority.lastIndexOf('@');
  if (at !== -1 && !/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(authority.slice(0, at))) return undefined;
  if (at !== -1 && unescape(authority.slice(0, at), 'other') === undefined) return undefined;
  const host = parseHost(authority.slice(at + 1));
  const path = unescape(rawPath, 'other');
  if (host === undefined || path === undefined) return undefined;
  return { host, path };
}

/** net.SplitHostPort; undefined where it returns an error (no port, too many colons, stray brackets). */
export function splitHostPort(hostport: string): { host: string; port: string } | undefined {
  const colon = hostport.lastIndexOf(':');
  if (colon === -1) return undefined;
  let host: string;
  let from = 0;
  let after = 0;
  if (hostport.startsWith('[')) {
    const end = hostport.indexOf(']');
    if (end === -1 || end + 1 !== colon) return undefined;
    host = hostport.slice(1, end);
    from = 1;
    after = end + 1;
  } else {
    host = hostport.slice(0, colon);
    if (host.includes(':')) return undefined;
  }
  if (hostport.slice(from).includes('[') || hostport.slice(after).includes(']')) return undefined;
  return { host, port: hostport.slice(colon + 1) };
}

/**
 * path/filepath.Match for one host label (no separators in it); a malformed pattern matches
 * nothing. Matched with one remembered star, never a regular expression, so a hostile pattern
 * like "*a*a*a*…b" costs at most pattern × label steps.
 */
export function globMatches(pattern: string, label: string): boolean {
  const tokens = globTokens(pattern);
  if (!tokens) return false;
  let t = 0;
  let l = 0;
  let starToken = -1;
  let starLabel = 0;
  while (l < label.length) {
    const token = tokens[t];
    if (token && token.kind === 'star') {
      starToken = t++;
      starLabel = l;
    } else if (token && matchesOne(token, label[l])) {
      t++;
      l++;
    } else if (starToken !== -1) {
      t = starToken + 1;
      l = ++starLabel;
    } else return false;
  }
  while (tokens[t]?.kind === 'star') t++;
  return t === tokens.length;
}

type GlobToken = { kind: 'star' } | { kind: 'any' } | { kind: 'char'; char: string } | { kind: 'class'; negated: boolean; ranges: Array<[string, string]> };

function matchesOne(token: GlobToken, c: string): boolean {
  if (token.kind === 'any') return true;
  if (token.kind === 'char') return token.char === c;
  if (token.kind === 'class') return token.ranges.some(([lo, hi]) => lo <= c && c <= hi) !== token.negated;
  return false;
}

/** The pattern's tokens, or undefined when filepath.Match would call it malformed. */
function globTokens(pattern: string): GlobToken[] | undefined {
  const tokens: GlobToken[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') tokens.push({ kind: 'star' });
    else if (c === '?') tokens.push({ kind: 'any' });
    else if (c === '\\') {
      if (++i >= pattern.length) return undefined;
      tokens.push({ kind: 'char', char: pattern[i] });
    } else if (c === '[') {
      const parsed = characterClass(pattern, i + 1);
      if (!parsed) return undefined;
      tokens.push(parsed.token);
      i = parsed.end;
    } else tokens.push({ kind: 'char', char: c });
  }
  return tokens;
}

/** A `[...]` class starting after its "[" → its token and the index of its closing "]". */
function characterClass(pattern: string, start: number): { token: GlobToken; end: number } | undefined {
  let i = start;
  let negated = false;
  if (pattern[i] === '^') {
    negated = true;
    i++;
  }
  const ranges: Array<[string, string]> = [];
  const escaped = (): string | undefined => {
    let c = pattern[i];
    if (c === undefined || c === '-' || c === ']') return undefined;
    if (c === '\\') c = pattern[++i];
    if (c === undefined || ++i >= pattern.length) return undefined;
    return c;
  };
  for (;;) {
    if (pattern[i] === ']' && ranges.length > 0) break;
    const lo = escaped();
    if (lo === undefined) return undefined;
    let hi = lo;
    if (pattern[i] === '-') {
      i++;
      const upper = escaped();
      if (upper === undefined) return undefined;
      hi = upper;
    }
    ranges.push([lo, hi]);
  }
  return { token: { kind: 'class', negated, ranges }, end: i };
}

/** url.parseHost: a port must be digits; bracketed hosts keep their brackets; escapes only for bytes ≥ 0x80 or "%25". */
function parseHost(host: string): string | undefined {
  if (host.startsWith('[')) {
    const close = host.lastIndexOf(']');
    if (close === -1 || !validOptionalPort(host.slice(close + 1))) return undefined;
  } else {
    const colon = host.lastIndexOf(':');
    if (colon !== -1 && !validOptionalPort(host.slice(colon))) return undefined;
  }
  return unescape(host, 'host');
}

function validOptionalPort(port: string): boolean {
  return port === '' || /^:[0-9]*$/.test(port);
}

const HOST_CHARACTERS = /^[A-Za-z0-9\-_.~!$&'()*+,;=:[\]<>"]$/;

function unescape(text: string, mode: 'host' | 'other'): string | undefined {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '%') {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
      const byte = parseInt(hex, 16);
      if (mode === 'host' && byte < 0x80 && hex !== '25') return undefined;
      out += String.fromCharCode(byte);
      i += 2;
    } else {
      if (mode === 'host' && c.charCodeAt(0) < 0x80 && !HOST_CHARACTERS.test(c)) return undefined;
      out += c;
    }
  }
  return out;
}
