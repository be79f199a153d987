// Go's time.ParseDuration grammar ("5m", "1h30m", "1.5s", "300ms"): the Go exporter's flags use it,
// and migrating users keep their values.
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

// The micro signs written as escapes: one character beyond Latin-1 anywhere in the bundle makes
// V8 keep the whole bundle's source as UTF-16, twice its size (scripts/bundle.ts).
const TERM = /(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/y;

/** Milliseconds of a Go duration string; throws on anything Go would refuse. */
export function parseGoDuration(text: string): number {
  if (text === '0') return 0;
  if (text === '') throw new Error('empty duration');
  let position = 0;
  let total = 0;
  while (position < text.length) {
    TERM.lastIndex = position;
    const match = TERM.exec(text);
    if (!match) throw new Error(`invalid duration "${text}"`);
    total += Number(match[1]) * UNIT_MS[match[2]];
    position = TERM.lastIndex;
  }
  return total;
}

/** A short Go-style rendering, for logs and help text. */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0 && ms > 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
