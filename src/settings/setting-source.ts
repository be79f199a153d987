// Where a setting's value came from (flag, environment variable, config file key), so an error
// about a bad value names the place to fix it and the value as written there.

export type SettingEntry = { arg: string; env: string };

export type SettingSource = { where: string; raw: unknown };

/** The source that won for `key`, in the loader's precedence: flag, environment, config file; undefined for the default. */
export function settingSource(key: string, entry: SettingEntry, args: string[], env: NodeJS.ProcessEnv, file?: { path: string; values: Record<string, unknown> }): SettingSource | undefined {
  const flag = lastFlagValue(entry.arg, args);
  if (flag !== undefined) return { where: `flag --${entry.arg}`, raw: flag };
  if (env[entry.env] !== undefined) return { where: `environment variable ${entry.env}`, raw: env[entry.env] };
  if (file && Object.prototype.hasOwnProperty.call(file.values, key)) return { where: `config file ${file.path} key ${key}`, raw: file.values[key] };
  return undefined;
}

/** ` (got "5" from environment variable IAE_CHECK_INTERVAL)`, bounded so a huge value cannot flood the error. */
export function describeSource(source: SettingSource | undefined): string {
  if (!source) return ' (the default)';
  const raw = typeof source.raw === 'string' ? source.raw : JSON.stringify(source.raw) ?? String(source.raw);
  const shown = raw.length > 80 ? `${raw.slice(0, 80)}…` : raw;
  return ` (got ${JSON.stringify(shown)} from ${source.where})`;
}

/** The value of the last `--name=value` / `--name value` (one or two dashes, as flags are accepted). */
function lastFlagValue(name: string, args: string[]): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const match = /^--?([^=]+)(?:=(.*))?$/s.exec(args[i]);
    if (!match || match[1] !== name) continue;
    if (match[2] !== undefined) value = match[2];
    else value = args[i + 1] !== undefined && !args[i + 1].startsWith('-') ? args[i + 1] : 'true';
  }
  return value;
}
