// The warnings the webhook gave, kept per image (the status page's report key: check unit, or the
// unparsable reference) for the status page's per-image history: when, for which object, and the
// words given. Anyone who may apply a workload can make the webhook warn, so the store is bounded:
// the latest few warnings per image, and only the images warned about most recently.

export type GivenWarning = {
  at: number;
  operation: string;
  /** The object as "Kind namespace/name". */
  object: string;
  dryRun: boolean;
  /** The review refused the object (deny on) rather than only warning. */
  denied: boolean;
  warning: string;
};

export const WARNINGS_PER_IMAGE = 5;
export const IMAGES_WITH_WARNINGS = 1000;

export class GivenWarnings {
  /** Insertion order is recency: the image warned about longest ago is first, and goes first. */
  private readonly byImage = new Map<string, GivenWarning[]>();

  constructor(
    private readonly perImage = WARNINGS_PER_IMAGE,
    private readonly images = IMAGES_WITH_WARNINGS,
  ) {}

  record(imageKey: string, warning: GivenWarning): void {
    const list = this.byImage.get(imageKey) ?? [];
    this.byImage.delete(imageKey);
    list.push(warning);
    if (list.length > this.perImage) list.splice(0, list.length - this.perImage);
    this.byImage.set(imageKey, list);
    if (this.byImage.size > this.images) this.byImage.delete(this.byImage.keys().next().value!);
  }

  /** Oldest first. */
  of(imageKey: string): readonly GivenWarning[] {
    return this.byImage.get(imageKey) ?? [];
  }
}
