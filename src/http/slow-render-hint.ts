// The image runs V8 on its interpreter alone (--max-opt=0), which saves memory in the small
// clusters most exporters watch but renders /metrics about 5 times slower. A render slow enough
// to matter says so once, naming the switch: in a cluster that large the compiler pays for itself.

/** A render at least this long is worth the warning (100 000 series take about 0.8 s on the interpreter alone). */
export const SLOW_RENDER_MS = 1000;

/** The flag among these Node flags that keeps V8's optimizing compiler off, if one does (the last one wins). */
export function optimizingCompilerOffBy(execArgv: readonly string[]): string | undefined {
  let off: string | undefined;
  for (const arg of execArgv) {
    const maxOpt = /^--max[-_]opt=(\d+)$/.exec(arg);
    // V8's tiers: 0 interpreter, 1 baseline, 2 Maglev, 3 and above TurboFan.
    if (maxOpt) off = Number(maxOpt[1]) < 3 ? arg : undefined;
    else if (arg === '--no-opt' || arg === '--jitless' || arg === '--lite-mode') off = arg;
  }
  return off;
}

/** The warning for a /metrics render that took `renderMs` in a process with these Node flags, or undefined. */
export function slowRenderHint(renderMs: number, execArgv: readonly string[]): string | undefined {
  const flag = optimizingCompilerOffBy(execArgv);
  if (renderMs < SLOW_RENDER_MS || !flag) return undefined;
  return (
    `rendering /metrics took ${(renderMs / 1000).toFixed(1)} s: this process runs V8 without its optimizing compiler (${flag}), ` +
    `which saves memory in small clusters; for one this large set the chart's optimizingCompiler: true (or run node without ${flag}) ` +
    'and scrapes render several times faster, for 5 to 20 MiB more memory'
  );
}
