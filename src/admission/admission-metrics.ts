// The webhook's own families, on the exporter's registry: requests by outcome and how long the
// answers took (a cached image should answer in milliseconds; live checks show as the slow tail).
import { Counter, Histogram, type Registry } from 'prom-client';
import { METRIC_PREFIX } from '../metrics/availability-families.js';

/** ignored: not a checked kind or not checked by the exporter's rules; invalid: not an AdmissionReview. */
export type AdmissionOutcome = 'ignored' | 'available' | 'warned' | 'denied' | 'invalid' | 'error';

export class AdmissionMetrics {
  private readonly requests: Counter<'outcome'>;
  private readonly duration: Histogram;

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: `${METRIC_PREFIX}_admission_requests_total`,
      help: 'Admission reviews answered, by outcome: available (no problem), warned, denied, ignored (kind or object not checked), invalid (bad request), error.',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: `${METRIC_PREFIX}_admission_duration_seconds`,
      help: 'Time from an admission review received to its answer sent.',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
  }

  record(outcome: AdmissionOutcome, seconds: number): void {
    this.requests.inc({ outcome });
    this.duration.observe(seconds);
  }
}
