// The exporter's webhook registered with the real API server as a test's single
// ValidatingWebhookConfiguration: HTTPS on 127.0.0.1 with the test CA, ignored when it fails.
import * as k8s from '@kubernetes/client-node';

export type WebhookRule = { apiGroups: string[]; apiVersions: string[]; operations: string[]; resources: string[]; scope?: string };

export async function registerWebhook(kc: k8s.KubeConfig, options: { port: number; caPem: string; rules: WebhookRule[] }): Promise<void> {
  await kc.makeApiClient(k8s.AdmissionregistrationV1Api).createValidatingWebhookConfiguration({
    body: {
      metadata: { name: 'image-availability' },
      webhooks: [
        {
          name: 'images.image-availability.example.com',
          clientConfig: { url: `https://127.0.0.1:${options.port}/validate`, caBundle: Buffer.from(options.caPem).toString('base64') },
          rules: options.rules,
          failurePolicy: 'Ignore',
          sideEffects: 'None',
          timeoutSeconds: 5,
          admissionReviewVersions: ['v1'],
        },
      ],
    },
  });
}
