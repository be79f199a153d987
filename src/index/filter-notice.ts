// --ignored-images and --allowed-images that drop most of the cluster's images, or all of them,
// are said on the log and the status page with the setting that does it: a Go-style value such
// as `a~b` is two regular expressions matched anywhere in the image, and so ignores nearly every
// image without any other sign.
import type { Logger } from '../log/log.js';
import type { FilterCounts } from './image-index.js';
import { REGEX_PREFIX } from './image-regex.js';

/** Patterns quoted back at most: the notice names the setting, the user has the rest. */
const SHOWN_PATTERNS = 5;
const SHOWN_PATTERN_LENGTH = 60;

export type FilterSettings = { ignoredImages: readonly string[]; allowedImages: readonly string[] };

/** The notice while the filters drop more than half of the containers considered; undefined otherwise. */
export function filterNotice(counts: FilterCounts, settings: FilterSettings): string | undefined {
  const dropped = counts.ignoredImages + counts.allowedImages;
  if (counts.considered === 0 || dropped * 2 <= counts.considered) return undefined;
  const left = counts.considered - dropped;
  const parts: string[] = [];
  if (counts.allowedImages > 0) {
    parts.push(`--allowed-images (allowedImages) leaves out ${counts.allowedImages} of them: only images matching ${patterns(settings.allowedImages)} are checked`);
  }
  if (counts.ignoredImages > 0) parts.push(`--ignored-images (ignoredImages) ignores ${counts.ignoredImages} of them, matching ${patterns(settings.ignoredImages)}`);
  const regex = [...settings.allowedImages, ...settings.ignoredImages].some((pattern) => pattern.startsWith(REGEX_PREFIX))
    ? ' A value with ~ (or regex:) is the Go exporter\'s form: regular expressions separated by ~, each matched anywhere in the image, so a short one matches nearly every image.'
    : '';
  const outcome = left === 0 ? 'none of them is checked' : `only ${left} ${left === 1 ? 'is' : 'are'} checked`;
  return `Of the ${counts.considered} containers' images in the cluster, ${outcome}: ${parts.join('; ')}.${regex} Change the setting if that is not meant.`;
}

/**
 * Says the notice on the log once the first lists are in, then whenever it appears, goes, or
 * changes between "most" and "all" or the setting that does it; not at each workload that moves
 * the counts.
 */
export class FilterNoticeLog {
  private said = 'none';
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly counts: () => Readonly<FilterCounts>,
    private readonly settings: FilterSettings,
    private readonly log: Logger,
    private readonly ready: () => boolean,
  ) {}

  start(everyMs: number): void {
    this.timer = setInterval(() => this.look(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  look(): void {
    if (!this.ready()) return;
    const counts = { ...this.counts() };
    const notice = filterNotice(counts, this.settings);
    const state = notice === undefined ? 'none' : `${counts.ignoredImages > 0}/${counts.allowedImages > 0}/${counts.ignoredImages + counts.allowedImages === counts.considered}`;
    if (state === this.said) return;
    this.said = state;
    if (notice) this.log.warn(counts, notice);
    else this.log.info(counts, 'the image filters (ignoredImages, allowedImages) no longer leave out most images');
  }
}

function patterns(list: readonly string[]): string {
  const shown = list.slice(0, SHOWN_PATTERNS).map((pattern) => JSON.stringify(pattern.length > SHOWN_PATTERN_LENGTH ? `${pattern.slice(0, SHOWN_PATTERN_LENGTH)}…` : pattern));
  return `${shown.join(', ')}${list.length > SHOWN_PATTERNS ? ` and ${list.length - SHOWN_PATTERNS} more` : ''}`;
}
