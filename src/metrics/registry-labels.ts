// The `registry` label values of the per-registry families, and which series each one has.
// Workload authors choose registry hosts, so the label values are bounded: the first `cap`
// registries in use get their own value, any further one is counted under `other` (no registry
// host can be called that: a host needs a dot, a port or to be `localhost`). A registry no
// tracked image uses any more gives its value back and its series are removed. A host the
// reference parser accepts may be thousands of characters long: its value is cut (label-value.ts).
import { boundedLabelValue } from '../bounds/label-value.js';

export const OTHER_REGISTRIES = 'other';

export type RegistrySeries = {
  label: string;
  statuses: Set<string>;
  exchanges: Map<string, { phase: string; outcome: string }>;
};

export class RegistryLabels {
  private readonly own = new Map<string, RegistrySeries>();
  /** Registries beyond the cap that have series under `other`. */
  private readonly others = new Set<string>();
  private other: RegistrySeries | undefined;

  constructor(private readonly cap: number) {}

  forCheck(registry: string, status: string): string {
    const series = this.seriesOf(registry);
    series.statuses.add(status);
    return series.label;
  }

  forExchange(registry: string, phase: string, outcome: string): string {
    const series = this.seriesOf(registry);
    series.exchanges.set(`${phase} ${outcome}`, { phase, outcome });
    return series.label;
  }

  /** Forgets the registries not in `inUse`; returns the label values whose series must go. */
  release(inUse: ReadonlySet<string>): RegistrySeries[] {
    const gone: RegistrySeries[] = [];
    for (const [registry, series] of this.own) {
      if (inUse.has(registry)) continue;
      this.own.delete(registry);
      gone.push(series);
    }
    for (const registry of this.others) if (!inUse.has(registry)) this.others.delete(registry);
    if (this.other && this.others.size === 0) {
      gone.push(this.other);
      this.other = undefined;
    }
    return gone;
  }

  private seriesOf(registry: string): RegistrySeries {
    let series = this.own.get(registry);
    if (series) return series;
    if (this.own.size < this.cap) {
      series = { label: boundedLabelValue(registry), statuses: new Set(), exchanges: new Map() };
      this.own.set(registry, series);
      return series;
    }
    this.others.add(registry);
    return (this.other ??= { label: OTHER_REGISTRIES, statuses: new Set(), exchanges: new Map() });
  }
}
