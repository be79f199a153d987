// The Go exporter's form of --ignored-images / --allowed-images: regular expressions separated by
// `~`, each matched anywhere in the image as the workload writes it. A value is read in that form
// when it says so (`regex:` prefix) or cannot be anything else: it holds `~`, `.*` or a character
// that neither an image reference nor this exporter's `*` globs have.
//
// Go's RE2 syntax and JavaScript's differ in a few spellings: leading flag groups `(?i)`,
// named groups `(?P<name>…)`, `\A` and `\z` are translated; what JavaScript cannot compile is
// refused at start with the expression named.

export const REGEX_PREFIX = 'regex:';

/**
 * Longer images are no valid reference (host, a repository of at most 255 characters, a tag of 128,
 * a digest): an expression never scans more of what a workload wrote. JavaScript's expressions
 * backtrack where Go's RE2 does not, so this also bounds what a nested quantifier can cost.
 */
export const MAX_MATCHED_IMAGE_LENGTH = 1024;
const MAX_EXPRESSION_LENGTH = 1024;

const REGEX_ONLY = /[~^$\\()[\]{}|+?]|\.\*/;

/** True when a flag or environment value is the Go exporter's `~`-separated form. */
export function isRegexList(value: string): boolean {
  return value.startsWith(REGEX_PREFIX) || REGEX_ONLY.test(value);
}

/** The expressions of a `~`-separated value, each as `regex:<expression>`; throws on one that cannot compile. */
export function regexItems(value: string): string[] {
  const body = value.startsWith(REGEX_PREFIX) ? value.slice(REGEX_PREFIX.length) : value;
  if (body.includes(REGEX_PREFIX)) {
    throw new Error(`"${shorten(value)}": ${REGEX_PREFIX} may only start the whole value, whose ~-separated regular expressions cannot be mixed with image patterns`);
  }
  const expressions = body.split('~').filter((expression) => expression !== '');
  if (expressions.length === 0) throw new Error(`"${shorten(value)}" holds no regular expression: write e.g. ${REGEX_PREFIX}^registry\\.internal/~nginx`);
  for (const expression of expressions) compileImageRegex(expression);
  return expressions.map((expression) => `${REGEX_PREFIX}${expression}`);
}

/** A Go (RE2) expression as a JavaScript RegExp; throws one line naming it when it cannot be one. */
export function compileImageRegex(expression: string): RegExp {
  if (expression.length > MAX_EXPRESSION_LENGTH) throw new Error(`regular expression "${shorten(expression)}" is longer than ${MAX_EXPRESSION_LENGTH} characters`);
  let source = expression;
  let flags = '';
  const leading = /^\(\?([imsU]+)\)/.exec(source);
  if (leading) {
    if (leading[1].includes('U')) throw new Error(`regular expression "${shorten(expression)}": the ungreedy flag (?U) has no equivalent here, write lazy quantifiers (*?, +?) instead`);
    flags = [...new Set(leading[1])].join('');
    source = source.slice(leading[0].length);
  }
  source = source.replace(/\(\?P</g, '(?<').replace(/\\A/g, '^').replace(/\\z/g, '$');
  try {
    return new RegExp(source, flags);
  } catch (error) {
    const why = (error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
    throw new Error(`"${shorten(expression)}" is not a valid regular expression (${why}): the Go exporter's form is ~-separated expressions, e.g. ${REGEX_PREFIX}^registry\\.internal/~nginx`);
  }
}

function shorten(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 120 ? `${clean.slice(0, 117)}...` : clean;
}
