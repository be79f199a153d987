// A settings file (the optional config file, the registries file): JSON or YAML, chosen by extension.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

export function parseFile(path: string, what = 'config file'): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    const parsed = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error('top level must be a mapping');
    }
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new Error(`${what} ${path}: ${(error as Error).message}`);
  }
}
