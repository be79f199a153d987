// Which workloads are left out before their images reach the index: any workload annotated
// image-availability-exporter.io/check: "false"; a workload in a namespace on --ignored-namespaces
// or outside --namespace-label, unless it is annotated "true". One rule for the exporter's watch,
// the check command and the admission webhook, so the three never disagree about a workload.
import { goBoolean } from '../settings/flag-syntax.js';

export const CHECK_ANNOTATION = 'image-availability-exporter.io/check';

export type NamespaceRule = {
  ignored: ReadonlySet<string>;
  /** Whether the namespace carries --namespace-label; undefined: no label is asked for. */
  selected?(namespace: string): boolean;
};

/** The workload's own word, from its annotations: true (check it), false (never), or none. */
export function checkAnnotation(annotations: unknown): boolean | undefined {
  if (!annotations || typeof annotations !== 'object') return undefined;
  const value = (annotations as Record<string, unknown>)[CHECK_ANNOTATION];
  return typeof value === 'string' ? goBoolean(value.trim()) : undefined;
}

export function leftOut(namespace: string, annotations: unknown, rule: NamespaceRule): boolean {
  const own = checkAnnotation(annotations);
  if (own !== undefined) return !own;
  return rule.ignored.has(namespace) || (rule.selected !== undefined && !rule.selected(namespace));
}
