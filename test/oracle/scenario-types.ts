// The shape of a row of the differential suite's table (scenarios-*.ts): what the registry holds
// and which secrets the pod names, the image reference, and what the kubelet is expected to do.
import type { Bed, ContentTarget } from './bed.js';

export type Category = 'reference' | 'manifest' | 'pull secret' | 'TLS' | 'auth' | 'failure';

/** A Secret of the scenario; `data` values are plain text (base64-encoded when applied). */
export type SecretSpec = { name: string; type?: string; data: Record<string, string> };

export type PodSetup = {
  image: string;
  secrets?: SecretSpec[];
  /** The pod's imagePullSecrets, by the names in `secrets` (a name not there is a missing Secret). */
  pullSecrets?: string[];
  /** The pod runs as a ServiceAccount of its own whose imagePullSecrets admission adds to the pod. */
  serviceAccountPullSecrets?: string[];
};

/** What the kubelet does: pulls, fails the pull, or is still pulling when the suite stops waiting. */
export type KubeletOutcome = 'pulled' | 'not pulled' | 'still pulling';

export type Scenario = {
  /** Short and DNS-safe: the pod is named after it. */
  id: string;
  category: Category;
  what: string;
  /** The kubelet's outcome the row sets up; a run where the node does otherwise is a test bed error. */
  kubelet: KubeletOutcome;
  /** `content`: on every registry implementation; `distribution-2.8`: on it and the servers of the bed only; `gitea`: on Gitea's registry only. */
  on: 'content' | 'distribution-2.8' | 'gitea';
  /** The registry may refuse the setup (a manifest type it does not store): the row is then not run on it. */
  mayBeRefused?: boolean;
  /** A generated row (a seed): nobody predicts the node's outcome, `kubelet` is not checked. */
  generated?: boolean;
  setup(bed: Bed, target: ContentTarget): Promise<PodSetup>;
};

export const basicAuth = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');

/** A kubernetes.io/dockerconfigjson Secret with one entry per key. */
export function dockerConfigJson(name: string, entries: Record<string, { user: string; password: string }>): SecretSpec {
  const auths = Object.fromEntries(Object.entries(entries).map(([key, { user, password }]) => [key, { auth: basicAuth(user, password) }]));
  return { name, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': JSON.stringify({ auths }) } };
}
