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
