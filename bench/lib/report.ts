// The benchmark table: every figure next to a baseline measured in the same run, and their ratio,
// so a rerun on another machine (or a busier one) is compared by the ratio, not the raw figure.
export type Row = {
  case: string;
  /** What the exporter achieved. */
  exporter: string;
  /** What the baseline achieved, named. */
  baseline: string;
  /** The exporter's figure divided by the baseline's, same quantity and unit. */
  ratio: number;
  target: string;
  /** undefined: informational, no target. */
  pass?: boolean;
};

export function verdict(row: Row): string {
  return row.pass === undefined ? 'info' : row.pass ? 'pass' : 'MISS';
}

export function table(rows: Row[]): string {
  const header = ['case', 'exporter', 'baseline (same run)', 'ratio', 'target', ''];
  const lines = rows.map((row) =>
    [row.case, row.exporter, row.baseline, Number.isFinite(row.ratio) ? row.ratio.toFixed(2) : '–', row.target, verdict(row)].map((cell) => cell.replace(/\|/g, '\\|')),
  );
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...lines.map((cells) => `| ${cells.join(' | ')} |`)].join('\n');
}
