// The `registries` value becomes the exporter's registries file: rendered with the real helm, the
// ConfigMap's file is parsed by the exporter's own parser, and every credentialsSecret is mounted
// exactly where the file says credentialsDir is.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseRegistrySettings } from '../../src/registry/settings/registry-settings.js';
import { helms, only, render, template, type K8sObject } from '../support/helm.js';
import { createTestCa } from '../support/test-ca.js';

type PodSpec = {
  containers: Array<{ env: Array<{ name: string; value?: string }>; volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }> }>;
  volumes: Array<{ name: string; configMap?: { name: string }; secret?: { secretName: string } }>;
};

const podOf = (objects: K8sObject[]) => (only(objects, 'Deployment') as unknown as { spec: { template: { metadata: { annotations?: Record<string, string> }; spec: PodSpec } } }).spec.template;

describe.each(helms)('$name', ({ path: binary }) => {
  test('no registries: no ConfigMap, no variable, no extra volumes', () => {
    const objects = render(binary);
    expect(objects.some((object) => object.kind === 'ConfigMap')).toBe(false);
    const pod = podOf(objects);
    expect(pod.spec.containers[0].env.map((variable) => variable.name)).not.toContain('IAE_REGISTRIES_FILE');
    expect(pod.spec.volumes.map((volume) => volume.name)).toEqual(['tmp']);
  });

  test('entries reach the exporter file; each Secret is mounted read-only at its credentialsDir', async () => {
    const ca = await createTestCa(mkdtempSync(join(tmpdir(), 'iae-chart-ca-')));
    const registries = {
      'registry.internal:5000': { ca: ca.caPem, concurrency: 8, credentialsSecret: 'internal-reader' },
      'lab.example': { plainHttp: true, insecureSkipVerify: false, credentialsSecret: 'lab-reader' },
      'ghcr.io': { mirror: 'registry.example.com/ghcr' },
      'quay.io': { credentialsSecret: 'internal-reader' },
    };
    const objects = render(binary, { values: { registries } });
    const pod = podOf(objects);
    const container = pod.spec.containers[0];
    const filePath = container.env.find((variable) => variable.name === 'IAE_REGISTRIES_FILE')?.value;
    expect(filePath).toBe('/etc/image-availability-exporter/registries/registries.yaml');

    const configMap = only(objects, 'ConfigMap') as unknown as { metadata: { name: string }; data: Record<string, string> };
    const fileVolume = pod.spec.volumes.find((volume) => volume.configMap?.name === configMap.metadata.name)!;
    expect(container.volumeMounts.find((mount) => mount.name === fileVolume.name)).toMatchObject({ mountPath: '/etc/image-availability-exporter/registries', readOnly: true });
    const document = parse(configMap.data['registries.yaml']) as { registries: Record<string, { credentialsDir?: string }> };

    // Each credentialsDir is the mount path of a volume of the named Secret; each Secret once.
    const secretVolumes = pod.spec.volumes.filter((volume) => volume.secret);
    expect(secretVolumes.map((volume) => volume.secret!.secretName).sort()).toEqual(['internal-reader', 'lab-reader']);
    for (const [host, entry] of Object.entries(registries)) {
      const dir = document.registries[host]?.credentialsDir;
      if (!('credentialsSecret' in entry)) {
        expect(dir).toBeUndefined();
        continue;
      }
      const mount = container.volumeMounts.find((m) => m.mountPath === dir);
      expect(mount?.readOnly).toBe(true);
      expect(secretVolumes.find((volume) => volume.name === mount?.name)?.secret?.secretName).toBe(entry.credentialsSecret);
    }

    // The exporter's parser accepts the file (with the mount paths standing in as local dirs).
    const scratch = mkdtempSync(join(tmpdir(), 'iae-chart-mounts-'));
    for (const entry of Object.values(document.registries)) {
      if (entry.credentialsDir) {
        entry.credentialsDir = join(scratch, entry.credentialsDir);
        mkdirSync(entry.credentialsDir, { recursive: true });
      }
    }
    const parsed = parseRegistrySettings(document);
    expect(parsed.get('registry.internal:5000')).toMatchObject({ caPems: [ca.caPem.trim()], concurrency: 8 });
    expect(parsed.get('lab.example')).toMatchObject({ plainHttp: true, insecureSkipVerify: false });
    expect(parsed.get('ghcr.io')?.mirror).toBe('registry.example.com/ghcr');

    // A change to the file rolls the pod.
    const before = pod.metadata.annotations?.['checksum/registries'];
    const after = podOf(render(binary, { values: { registries: { ...registries, 'ghcr.io': { mirror: 'other.example/ghcr' } } } })).metadata.annotations?.['checksum/registries'];
    expect(before).toMatch(/^[0-9a-f]{64}$/);
    expect(after).not.toBe(before);
  });

  test.each([
    [{ 'https://r.example': {} }, 'https://r.example'],
    [{ 'r.example': { concurrency: 0 } }, 'concurrency'],
    [{ 'r.example': { insecure: true } }, 'insecure'],
    [{ 'r.example': { ca: 'not pem' } }, 'ca'],
    [{ 'r.example': { credentialsSecret: 'Not_A_Name' } }, 'credentialsSecret'],
  ])('values.schema.json refuses %j', (registries, field) => {
    const result = template(binary, { values: { registries } });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(field);
  });
});
