// Go's flag syntax, which users of the Go exporter copy: a long flag may start with one dash
// (`-check-interval=1m`, `-check-interval 1m`, `-allow-plain-http`). Those are read as the
// double-dash flags they mean; a single-dash word that is no flag of ours is refused, never
// silently dropped (the argument parser would read it as a bundle of one-letter flags).

export class FlagSyntaxError extends Error {}

/**
 * The arguments with every single-dash long flag written with two dashes. `known` tells whether
 * a long name is a flag. Everything after a bare `--` is left alone, as Go's flag package does.
 */
export function withDoubleDashes(args: string[], known: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') return [...out, ...args.slice(i)];
    // One letter (-h, the check command's -f) is a short flag, not a Go-style long one.
    const single = /^-([A-Za-z][A-Za-z0-9-]+)(=.*)?$/s.exec(arg);
    if (!single) {
      out.push(arg);
      continue;
    }
    const name = single[1];
    if (!known(name)) {
      const shown = name.slice(0, 100);
      throw new FlagSyntaxError(`unknown flag -${shown}: there is no --${shown} either (one dash is read as two); see --help for the flags`);
    }
    out.push(`-${arg}`);
  }
  return out;
}

/**
 * Go's strconv.ParseBool spellings: the Go exporter's boolean flags took them
 * (`-allow-plain-http=false`), and a bare boolean flag arrives as "true".
 */
export function goBoolean(value: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}

/** How a long flag takes its value: a switch may stand alone, any other flag needs one. */
export type FlagKind = 'switch' | 'value';

/** Longest piece of an argument quoted back in a refusal. */
const SHOWN = 100;

/**
 * Refuses, with one line, every argument the argument parser would drop or misread: a word that
 * is no flag's value, a one-letter flag, an unknown flag, a flag without the value it needs, and
 * anything after a bare `--`. `args` are in double-dash form (withDoubleDashes).
 */
export function refuseUnreadArguments(args: string[], kindOf: (name: string) => FlagKind | undefined): void {
  /** The flag that read the word before as its value. */
  let tookWord: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      if (i + 1 < args.length) throw new FlagSyntaxError(`unexpected argument ${quoted(args[i + 1])} after --: the exporter takes flags only; see --help`);
      continue;
    }
    const flag = /^--([^=]+)(=.*)?$/s.exec(arg);
    if (!flag) throw new FlagSyntaxError(tookWord ? strayAfterValue(arg, tookWord, args[i - 1]) : strayWord(arg, i));
    tookWord = undefined;
    const name = flag[1];
    const kind = kindOf(name);
    if (!kind) throw new FlagSyntaxError(`unknown flag --${name.slice(0, SHOWN)}; see --help for the flags`);
    if (flag[2] !== undefined) continue;
    const next = args[i + 1];
    // The parser reads the next word as the value, a switch's too (--allow-plain-http registry.lab).
    if (next !== undefined && !next.startsWith('-')) {
      tookWord = name;
      i++;
      continue;
    }
    if (kind === 'value') {
      const after = next === undefined ? 'nothing follows it' : `the next argument ${quoted(next)} is read as a flag`;
      throw new FlagSyntaxError(`flag --${name} needs a value and ${after}: write --${name}=VALUE (--${name}= for an empty one)`);
    }
  }
}

function strayWord(arg: string, position: number): string {
  const letter = /^-([A-Za-z])(=|$)/.exec(arg)?.[1];
  if (letter) {
    // klog's -v, which Go programs take, is the usual one.
    const hint = letter === 'v' ? '; more log detail is --log-level=debug' : '';
    return `unknown flag -${letter}: the only one-letter flag is -h (help); see --help for the flags${hint}`;
  }
  const command = position === 0 && /^[a-z]+$/.test(arg) ? '; the one command is check, as the first argument (check -f manifests.yaml)' : '';
  return `unexpected argument ${quoted(arg)}: the exporter takes flags only (--name=value), see --help${command}`;
}

/** A word after a flag that already took the word before it as its value. */
function strayAfterValue(arg: string, name: string, value: string): string {
  return `unexpected argument ${quoted(arg)}: --${name.slice(0, SHOWN)} took ${quoted(value)} as its value; several values are written with commas (--${name.slice(0, SHOWN)}=${value.slice(0, SHOWN)},${arg.slice(0, SHOWN)})`;
}

function quoted(arg: string): string {
  return JSON.stringify(arg.length > SHOWN ? `${arg.slice(0, SHOWN)}...` : arg);
}
