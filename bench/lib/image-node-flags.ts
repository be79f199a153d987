// The Node flags of the image's ENTRYPOINT, so that a case measures the process as it ships.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function imageNodeFlags(): string[] {
  const dockerfile = readFileSync(fileURLToPath(new URL('../../../Dockerfile', import.meta.url)), 'utf8');
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile);
  if (!entrypoint) throw new Error('the Dockerfile has no ENTRYPOINT [...] line to take the Node flags from');
  return (JSON.parse(entrypoint[1]) as string[]).filter((arg) => arg.startsWith('--'));
}
