// The standard process_* and nodejs_* metrics of prom-client, registered one by one, without two
// whose cost runs all the time whether anyone scrapes or not: nodejs_gc_duration_seconds (a
// PerformanceObserver on GC: Node makes an entry with deprecated getters at every collection,
// about a third of the garbage the exporter left for V8's old generation in a steady run) and
// nodejs_eventloop_lag_* (a histogram sampled by a timer 100 times a second). The Go exporter's
// go_* metrics have neither.
/// <reference path="./prom-client-metrics.d.ts" />
import type { Registry } from 'prom-client';
import heapSizeAndUsed from 'prom-client/lib/metrics/heapSizeAndUsed.js';
import heapSpacesSizeAndUsed from 'prom-client/lib/metrics/heapSpacesSizeAndUsed.js';
import osMemoryHeap from 'prom-client/lib/metrics/osMemoryHeap.js';
import processCpuTotal from 'prom-client/lib/metrics/processCpuTotal.js';
import processHandles from 'prom-client/lib/metrics/processHandles.js';
import processMaxFileDescriptors from 'prom-client/lib/metrics/processMaxFileDescriptors.js';
import processOpenFileDescriptors from 'prom-client/lib/metrics/processOpenFileDescriptors.js';
import processRequests from 'prom-client/lib/metrics/processRequests.js';
import processResources from 'prom-client/lib/metrics/processResources.js';
import processStartTime from 'prom-client/lib/metrics/processStartTime.js';
import nodeVersion from 'prom-client/lib/metrics/version.js';

type DefaultMetric = (registry: Registry, config?: object) => void;

const KEPT: DefaultMetric[] = [
  processCpuTotal,
  processStartTime,
  osMemoryHeap,
  processOpenFileDescriptors,
  processMaxFileDescriptors,
  processResources,
  processHandles,
  processRequests,
  heapSizeAndUsed,
  heapSpacesSizeAndUsed,
  nodeVersion,
];

export function registerProcessMetrics(registry: Registry): void {
  for (const register of KEPT) register(registry, {});
}
