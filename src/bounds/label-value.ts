// Bounds on text the cluster gives and the exporter passes on: label values and the images the
// status page shows. The API server bounds namespaces, object names and the container names of
// its own kinds, but not an image string (only the 1.5 MB object limit does) nor anything in a
// custom resource's spec (--extra-workload): one 1 MiB image would otherwise be 1 MiB per series,
// and a Prometheus with `label_value_length_limit` rejects the whole scrape for one long value.
// A value cut keeps its start and ends with a marker holding a hash of the whole, so two long
// values that start alike still make two series; the status page says how long an image was.
import { createHash } from 'node:crypto';

/** Characters of a label value at most: every reference that can be pulled is shorter. */
export const MAX_LABEL_VALUE_LENGTH = 1024;
/** Characters of the `image` label of a reference that cannot be parsed: enough to recognise it (the status page shows more). */
export const MAX_BAD_IMAGE_LABEL_LENGTH = 256;
/** Characters of an image kept to show (status page, /api/images): any reference longer is refused by the parser anyway. */
export const MAX_SHOWN_IMAGE_LENGTH = 4096;

/** `value` if it has at most `max` characters, else its start and a marker, `max` characters in all. */
export function boundedLabelValue(value: string, max: number = MAX_LABEL_VALUE_LENGTH): string {
  if (value.length <= max) return value;
  const hash = createHash('sha256').update(value).digest('hex').slice(0, 12);
  const marker = `...[cut, sha256 ${hash}]`;
  return flatCopy(`${startOf(value, max - marker.length)}${marker}`);
}

/** The image as the status page shows it: whole unless longer than any reference can be, then its start and its length. */
export function shownImage(image: string): string {
  if (image.length <= MAX_SHOWN_IMAGE_LENGTH) return image;
  return flatCopy(`${startOf(image, MAX_SHOWN_IMAGE_LENGTH)}... (cut: ${image.length} characters in all)`);
}

/** A string of its own: a slice would keep the whole long string alive for as long as the workload is tracked. */
function flatCopy(text: string): string {
  return Buffer.from(text).toString();
}

/** The first `length` characters, one less when the last would be half of a surrogate pair. */
function startOf(text: string, length: number): string {
  const code = text.charCodeAt(length - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? length - 1 : length);
}
