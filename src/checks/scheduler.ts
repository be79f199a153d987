// Which unit to check when: every unit once per interval, new units at once, failures sooner
// with exponential backoff, and never more than N checks in flight per registry (so one slow
// registry cannot starve the others) nor M in all. A registry that answers 429 is paused for
// its Retry-After. Checks are spread in time (jitter) so that images that arrived together, or
// failed together in an outage, do not hit their registries together again and again. Checks
// asked for outside the schedule (checkNow: the admission webhook's unknown images) take the same
// slots, ahead of scheduled ones, so an apply storm cannot flood a registry either.
import { apiHost } from '../registry/client.js';
import type { CheckResult } from '../registry/client.js';
import type { CheckUnit } from '../index/image-index.js';
import { DueQueue } from './due-queue.js';
import { recheckedRecord, delayAfter, failuresAfter, INTERVAL_SPREAD, pausedRecord } from './check-records.js';
import type { CheckRecord, CheckResults } from './results.js';

export type SchedulerOptions = {
  intervalMs: number;
  /** Units tracked at most; more wait, unchecked, until others go (a bound on memory and on registry load). */
  maxUnits?: number;
  onLimitReached?(waiting: number): void;
  retryInitialDelayMs: number;
  perRegistryConcurrency: number;
  /** Per registry API host: its own limit instead of perRegistryConcurrency. */
  registryConcurrency?: ReadonlyMap<string, number>;
  globalConcurrency: number;
  check(unit: CheckUnit): Promise<CheckResult>;
  results: CheckResults;
  /** Uniform in [0, 1): where in its window a check lands. Tests inject a seeded one. */
  random?: () => number;
  onChecked?(unit: CheckUnit, record: CheckRecord, previous: CheckRecord | undefined): void;
};

/**
 * `inconclusive`: checks in a row that gave no answer (their unit keeps its last status meanwhile).
 * `firstCheckWaiting`: added for an immediate first check that has not started yet.
 */
type UnitState = { unit: CheckUnit; registry: string; dueAt: number; running: boolean; queued: boolean; inconclusive: number; firstCheckWaiting: boolean };
/**
 * `lastStarted`: a counter value, so the least recently served registry wins a tie. `urgent`:
 * checkNow requests by unit key, in arrival order. `firsts`: due units waiting for their
 * immediate first check, served before `ready` (due rechecks and retries); fewer than the global
 * limit, as more make a burst whose first checks are spread instead.
 */
type RegistryState = { ready: string[]; head: number; firsts: string[]; running: number; pausedUntil: number; lastStarted: number; urgent: Map<string, UrgentCheck> };
/** A checkNow request waiting for a slot; every caller asking for the same unit meanwhile joins it. */
type UrgentCheck = { unit: CheckUnit; answer: Array<(result: CheckResult | undefined) => void>; expiry: NodeJS.Timeout };

export class CheckScheduler {
  private readonly units = new Map<string, UnitState>();
  /** Units beyond maxUnits, in arrival order, admitted as tracked units go. */
  private readonly waiting = new Map<string, CheckUnit>();
  private readonly due = new DueQueue();
  private readonly registries = new Map<string, RegistryState>();
  /**
   * Tracked units per registry. A registry's state stays while it has units, idle or not: made
   * anew each time its queue ran empty, it was garbage for the old generation at every recheck.
   */
  private readonly unitsPerRegistry = new Map<string, number>();
  private running = 0;
  /** Units whose immediate first check has not started: a burst once they fill every slot. */
  private firstChecksWaiting = 0;
  private starts = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerDueAt = Infinity;
  private pumpScheduled = false;
  private stopped = false;
  private readonly idleWaiters: Array<() => void> = [];
  /** checkNow checks running, by unit key: a caller asking for the same unit joins the one in flight. */
  private readonly urgentRunning = new Map<string, Promise<CheckResult>>();

  private readonly random: () => number;

  constructor(private readonly options: SchedulerOptions) {
    this.random = options.random ?? Math.random;
  }

  /**
   * A unit gained its first user: check it as soon as a slot is free. In a burst (more new units
   * waiting for their first check than there are slots: a large rollout, the exporter starting in
   * a big cluster) its first check goes to a random moment in the first tenth of the interval
   * instead, so the burst neither hammers its registries nor keeps rechecking in lockstep, and a
   * new image arriving behind it is still checked at once.
   */
  add(unit: CheckUnit): void {
    if (this.units.has(unit.key) || this.waiting.has(unit.key)) return;
    if (this.units.size >= (this.options.maxUnits ?? Infinity)) {
      this.waiting.set(unit.key, unit);
      this.options.onLimitReached?.(this.waiting.size);
      return;
    }
    const now = Date.now();
    const burst = this.firstChecksWaiting >= this.options.globalConcurrency;
    const dueAt = burst ? now + Math.floor(this.random() * INTERVAL_SPREAD * this.options.intervalMs) : now;
    const state: UnitState = { unit, registry: apiHost(unit.reference.registry), dueAt, running: false, queued: false, inconclusive: 0, firstCheckWaiting: !burst };
    if (!burst) this.firstChecksWaiting++;
    this.units.set(unit.key, state);
    this.unitsPerRegistry.set(state.registry, (this.unitsPerRegistry.get(state.registry) ?? 0) + 1);
    this.due.push(state.dueAt, unit.key);
    this.markPaused(state, now);
    this.schedulePump();
  }

  /** A unit lost its last user: forget it and its result. */
  remove(key: string): void {
    this.waiting.delete(key);
    const state = this.units.get(key);
    if (!state) return;
    this.units.delete(key);
    const left = (this.unitsPerRegistry.get(state.registry) ?? 1) - 1;
    if (left > 0) this.unitsPerRegistry.set(state.registry, left);
    else this.unitsPerRegistry.delete(state.registry);
    this.firstCheckStarted(state);
    this.options.results.delete(key);
    const next = this.waiting.values().next();
    if (!next.done) {
      this.waiting.delete(next.value.key);
      this.add(next.value);
    }
  }

  /** Units not checked because maxUnits is reached. */
  get waitingCount(): number {
    return this.waiting.size;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const registry of this.registries.values()) {
      for (const urgent of registry.urgent.values()) this.expire(registry, urgent);
    }
  }

  /**
   * One check of `unit` now, outside its schedule (its result is not stored): it waits for a slot
   * of its registry like any check, ahead of the scheduled ones, and resolves undefined when none
   * is free within `waitMs` (a registry at its limit or paused by a 429) or the scheduler stops.
   * Callers asking for a unit already waiting or running share that one check.
   */
  checkNow(unit: CheckUnit, waitMs: number): Promise<CheckResult | undefined> {
    if (this.stopped) return Promise.resolve(undefined);
    const running = this.urgentRunning.get(unit.key);
    if (running) return running;
    const registry = this.registry(apiHost(unit.reference.registry));
    return new Promise((resolve) => {
      const waiting = registry.urgent.get(unit.key);
      if (waiting) return waiting.answer.push(resolve);
      const urgent: UrgentCheck = { unit, answer: [resolve], expiry: setTimeout(() => this.expire(registry, urgent), waitMs) };
      urgent.expiry.unref?.();
      registry.urgent.set(unit.key, urgent);
      this.schedulePump();
    });
  }

  private expire(registry: RegistryState, urgent: UrgentCheck): void {
    clearTimeout(urgent.expiry);
    if (registry.urgent.get(urgent.unit.key) !== urgent) return;
    registry.urgent.delete(urgent.unit.key);
    urgent.answer.forEach((resolve) => resolve(undefined));
  }

  get inFlight(): number {
    return this.running;
  }

  get unitCount(): number {
    return this.units.size;
  }

  /** Resolves when nothing is due now and nothing runs (benchmarks and tests wait on this). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    const next = this.nextLiveDue();
    return this.running === 0 && (next === undefined || next > Date.now());
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.stopped) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.stopped) return;
    const now = Date.now();
    for (let dueAt = this.due.peekDueAt(); dueAt !== undefined && dueAt <= now; dueAt = this.due.peekDueAt()) {
      const key = this.due.peekKey()!;
      this.due.pop();
      const state = this.units.get(key);
      if (!state || state.dueAt !== dueAt || state.running || state.queued) continue;
      state.queued = true;
      // A new image goes ahead of the rechecks its registry has due: a recheck interval's worth of
      // them (all of a large registry's, in the last tenth of the interval) must not hold up the
      // first result of a workload just created.
      const registry = this.registry(state.registry);
      if (state.firstCheckWaiting) registry.firsts.push(key);
      else registry.ready.push(key);
    }
    this.startReady(now);
    this.armTimer();
    if (this.isIdle()) this.idleWaiters.splice(0).forEach((resolve) => resolve());
  }

  /**
   * Each free global slot goes to the ready registry with the fewest checks in flight (ties: the
   * one served longest ago). Max-min fairness: slow registries holding many slots cannot take the
   * slots a fast one frees, so one slow or dead registry never starves the others. Registries
   * with a checkNow request waiting come first, and within a registry its requests do: someone
   * is waiting for their answer.
   */
  private startReady(now: number): void {
    while (this.running < this.options.globalConcurrency) {
      let best: RegistryState | undefined;
      for (const [name, registry] of this.registries) {
        const limit = this.options.registryConcurrency?.get(name) ?? this.options.perRegistryConcurrency;
        if (registry.running >= limit || registry.pausedUntil > now) continue;
        // Most registries wait for their next due check: nothing queued, told without a lookup.
        const nothingQueued = registry.urgent.size === 0 && registry.firsts.length === 0 && registry.head >= registry.ready.length;
        if (nothingQueued || (registry.urgent.size === 0 && this.peekReady(registry) === undefined)) {
          if (registry.running === 0 && !this.unitsPerRegistry.has(name)) this.registries.delete(name);
          continue;
        }
        if (!best || before(registry, best)) best = registry;
      }
      if (!best) return;
      best.lastStarted = ++this.starts;
      const urgent = best.urgent.values().next();
      if (!urgent.done) {
        void this.runUrgent(urgent.value, best);
        continue;
      }
      const state = this.units.get(best.firsts.length > 0 ? best.firsts.shift()! : best.ready[best.head++])!;
      state.queued = false;
      void this.run(state, best);
    }
  }

  private async runUrgent(urgent: UrgentCheck, registry: RegistryState): Promise<void> {
    clearTimeout(urgent.expiry);
    registry.urgent.delete(urgent.unit.key);
    registry.running++;
    this.running++;
    const checked = this.checkSafely(urgent.unit);
    this.urgentRunning.set(urgent.unit.key, checked);
    const result = await checked;
    this.urgentRunning.delete(urgent.unit.key);
    registry.running--;
    this.running--;
    urgent.answer.forEach((resolve) => resolve(result));
    this.schedulePump();
  }

  /** The check, with a thrown error turned into an unknown_error result: a scheduled or checkNow check always has an answer. */
  private async checkSafely(unit: CheckUnit): Promise<CheckResult> {
    try {
      return await this.options.check(unit);
    } catch (error) {
      return { status: 'unknown_error', message: `check failed: ${(error as Error)?.message ?? String(error)}` };
    }
  }

  /** The next queued key of the registry, first checks first, skipping (and dropping) stale entries; not consumed. */
  private peekReady(registry: RegistryState): string | undefined {
    while (registry.firsts.length > 0) {
      if (this.units.get(registry.firsts[0])?.queued) return registry.firsts[0];
      registry.firsts.shift();
    }
    while (registry.head < registry.ready.length) {
      if (registry.head > 1024 && registry.head * 2 > registry.ready.length) {
        registry.ready = registry.ready.slice(registry.head);
        registry.head = 0;
      }
      const key = registry.ready[registry.head];
      if (this.units.get(key)?.queued) return key;
      registry.head++;
    }
    return undefined;
  }

  private firstCheckStarted(state: UnitState): void {
    if (!state.firstCheckWaiting) return;
    state.firstCheckWaiting = false;
    this.firstChecksWaiting--;
  }

  private async run(state: UnitState, registry: RegistryState): Promise<void> {
    this.firstCheckStarted(state);
    state.running = true;
    registry.running++;
    this.running++;
    const started = Date.now();
    const result = await this.checkSafely(state.unit);
    state.running = false;
    registry.running--;
    this.running--;
    // A check cut short by the shutdown is no answer: its unit keeps the status it had.
    if (this.stopped) return;
    const now = Date.now();
    if (this.units.get(state.unit.key) === state && result.inconclusive) {
      this.options.results.setWaitingReason(state.unit.key, result.message);
      state.inconclusive++;
      state.dueAt = now + this.delayAfter(state.inconclusive);
      this.due.push(state.dueAt, state.unit.key);
    } else if (this.units.get(state.unit.key) === state) {
      state.inconclusive = 0;
      const previous = this.options.results.get(state.unit.key);
      const failures = failuresAfter(result.status, previous);
      const record = recheckedRecord(previous, result, state.registry, started, now, failures);
      this.options.results.set(state.unit.key, record);
      this.options.onChecked?.(state.unit, record, previous);
      if (result.retryAfterMs !== undefined && now + result.retryAfterMs > registry.pausedUntil) {
        const pauseStarts = registry.pausedUntil <= now;
        registry.pausedUntil = now + result.retryAfterMs;
        if (pauseStarts) {
          for (const other of this.units.values()) if (other.registry === state.registry) this.markPaused(other, now);
        }
      }
      state.dueAt = Math.max(now + this.delayAfter(failures), registry.pausedUntil);
      this.due.push(state.dueAt, state.unit.key);
    }
    this.schedulePump();
  }

  /** A unit never checked on a registry paused for its Retry-After reads as that registry's answer (check-records.ts). */
  private markPaused(state: UnitState, now: number): void {
    const until = this.registries.get(state.registry)?.pausedUntil ?? 0;
    if (until <= now || this.options.results.get(state.unit.key)) return;
    this.options.results.set(state.unit.key, pausedRecord(state.registry, until, state.unit.reference.normalized, now));
  }

  /** Until when a registry's checks wait for its Retry-After (429), if they do now. */
  pausedUntil(registry: string): number | undefined {
    const until = this.registries.get(registry)?.pausedUntil ?? 0;
    return until > Date.now() ? until : undefined;
  }

  private delayAfter(failures: number): number {
    return delayAfter(failures, this.options.intervalMs, this.options.retryInitialDelayMs, this.random);
  }

  private registry(name: string): RegistryState {
    let registry = this.registries.get(name);
    if (!registry) this.registries.set(name, (registry = { ready: [], head: 0, firsts: [], running: 0, pausedUntil: 0, lastStarted: 0, urgent: new Map() }));
    return registry;
  }

  private nextLiveDue(): number | undefined {
    for (let dueAt = this.due.peekDueAt(); dueAt !== undefined; dueAt = this.due.peekDueAt()) {
      const state = this.units.get(this.due.peekKey()!);
      if (state && state.dueAt === dueAt && !state.running && !state.queued) return dueAt;
      this.due.pop();
    }
    for (const registry of this.registries.values()) {
      if (registry.firsts.length > 0 || registry.head < registry.ready.length) return Math.max(Date.now(), registry.pausedUntil);
    }
    return undefined;
  }

  private armTimer(): void {
    let next = this.nextLiveDue();
    for (const registry of this.registries.values()) {
      if ((registry.firsts.length > 0 || registry.head < registry.ready.length) && registry.pausedUntil > Date.now()) {
        next = Math.min(next ?? Infinity, registry.pausedUntil);
      }
    }
    if (next === undefined || next === this.timerDueAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDueAt = next;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerDueAt = Infinity;
      this.pump();
    }, Math.max(0, Math.min(next - Date.now(), 2 ** 31 - 1)));
    this.timer.unref?.();
  }
}

/** Whether registry `a` gets the next free slot before `b`: a waiting checkNow first, then fewest in flight, then served longest ago. */
function before(a: RegistryState, b: RegistryState): boolean {
  const aUrgent = a.urgent.size > 0;
  const bUrgent = b.urgent.size > 0;
  if (aUrgent !== bUrgent) return aUrgent;
  return a.running < b.running || (a.running === b.running && a.lastStarted < b.lastStarted);
}
