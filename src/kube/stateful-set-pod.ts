// A StatefulSet names its pods `<statefulset>-<ordinal>`; an autosharded exporter reads both
// halves from its own pod name.

export type StatefulSetPod = { statefulSet: string; ordinal: number };

/** Object names are at most 253 characters; a longer value is not a pod name. */
const MAX_NAME_LENGTH = 253;

export function statefulSetPod(podName: string): StatefulSetPod | undefined {
  if (podName.length > MAX_NAME_LENGTH) return undefined;
  const match = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)-(0|[1-9][0-9]{0,8})$/.exec(podName);
  if (!match) return undefined;
  return { statefulSet: match[1], ordinal: Number(match[3]) };
}
