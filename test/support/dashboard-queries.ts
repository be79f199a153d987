// The shipped Grafana dashboard's panels (rows unfolded), and the first query of a panel by its
// title with the namespace variable set to all, as Grafana would send it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './tools.js';

type Panel = { id: number; title: string; targets?: Array<{ expr: string }>; panels?: Panel[] };

const dashboard = JSON.parse(readFileSync(join(repoRoot, 'monitoring', 'grafana-dashboard.json'), 'utf8')) as { panels: Panel[] };
const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);

export function panelQuery(title: string): string {
  const panel = panels.find((entry) => entry.title === title);
  if (!panel?.targets?.[0]) throw new Error(`no panel "${title}"`);
  return panel.targets[0].expr.replaceAll('$namespace', '.*');
}
