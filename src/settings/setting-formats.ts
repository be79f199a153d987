// The value formats of the settings, registered with convict: how a flag, variable or config
// file value is read (coerce) and what is refused (validate), each refusal a sentence the user
// reads after the setting's name.
import convict from 'convict';
import { parseGoDuration } from './duration.js';
import { goBoolean } from './flag-syntax.js';
import { isRegexList, regexItems } from '../index/image-regex.js';
import { parseExtraWorkloads } from '../kube/extra-workloads.js';
import { CLOUD_NAMES, parseCloudEndpoints, parseCloudHosts } from '../registry/credentials/cloud/providers.js';
import { Mirrors } from '../registry/references/mirrors.js';

/** A list setting from a flag or env var ("a, b,c") or a config file (an array): trimmed, empty items dropped. */
function commaList(value: unknown): string[] {
  const items = Array.isArray(value) ? value.map(String) : String(value).split(',');
  return items.map((item) => item.trim()).filter((item) => item !== '');
}

convict.addFormat({
  name: 'go-duration',
  validate(value: unknown) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new Error('must be a Go duration such as 30s, 5m or 1h30m');
    }
  },
  coerce(value: unknown) {
    if (typeof value === 'number') return value;
    try {
      return parseGoDuration(String(value).trim());
    } catch {
      return Number.NaN;
    }
  },
});

// A switch: true or false as Go's flag package spells them (1, t, TRUE, ...); convict's own Boolean
// reads every word but "false" as true, so a mistyped "--record-events=flase" would turn it on.
convict.addFormat({
  name: 'switch',
  validate(value: unknown) {
    if (typeof value !== 'boolean') throw new Error('must be true or false (1, t, 0 and f also work)');
  },
  coerce(value: unknown) {
    if (typeof value === 'boolean') return value;
    return goBoolean(String(value).trim()) ?? value;
  },
});

convict.addFormat({
  name: 'comma-list',
  validate(value: unknown) {
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
      throw new Error('must be a comma-separated list of strings');
    }
  },
  coerce: (value: unknown) => commaList(value),
});

convict.addFormat({
  name: 'registry-host',
  validate(value: unknown) {
    if (typeof value !== 'string' || !/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(value)) {
      throw new Error('must be a registry host such as registry.example.com or registry.example.com:5000');
    }
  },
});

// Image patterns, or the Go exporter's ~-separated regular expressions (src/index/image-regex.ts),
// which may hold commas: such a value is not split on them. Bad expressions are refused in coerce
// (convict then names the setting); the error is carried to validate as a marker.
const IMAGE_PATTERN_ERROR = '\u0000';

convict.addFormat({
  name: 'image-patterns',
  validate(value: unknown) {
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw new Error('must be a comma-separated list of image patterns');
    const failed = value.find((item: string) => item.startsWith(IMAGE_PATTERN_ERROR));
    if (failed) throw new Error(failed.slice(1));
  },
  coerce(value: unknown) {
    const items = Array.isArray(value) ? value.map((item) => String(item).trim()) : [String(value).trim()];
    return items.flatMap((item) => {
      if (!isRegexList(item)) return commaList(item);
      try {
        return regexItems(item);
      } catch (error) {
        return [`${IMAGE_PATTERN_ERROR}${(error as Error).message}`];
      }
    });
  },
});

// The Go exporter's boolean switches, here also per-host lists: a bare flag (or true) means every
// registry ("*"), false means none, anything else is a list of hosts.
convict.addFormat({
  name: 'registry-hosts-or-all',
  validate(value: unknown) {
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || (item !== '*' && !/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(item)))) {
      throw new Error('must be true (every registry), false, or a comma-separated list of registry hosts such as registry.internal:5000');
    }
  },
  coerce(value: unknown) {
    const switched = goBoolean(String(value).trim());
    if (switched !== undefined) return switched ? ['*'] : [];
    return commaList(value);
  },
});

convict.addFormat({
  name: 'image-mirrors',
  validate(value: unknown) {
    if (!Array.isArray(value)) throw new Error('must be a list of original=mirror');
    try {
      new Mirrors(value as string[]);
    } catch (error) {
      throw new Error((error as Error).message);
    }
  },
  coerce: (value: unknown) => commaList(value),
});

convict.addFormat({
  name: 'namespace-label',
  validate(value: unknown) {
    const label = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?(=[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?|=)?$/;
    if (typeof value !== 'string' || (value !== '' && !label.test(value))) {
      throw new Error('must be a label key or key=value, e.g. image-checks=enabled');
    }
  },
});

// Namespace names are DNS labels (RFC 1123); a typo such as "kube_system" would exclude nothing.
convict.addFormat({
  name: 'namespace-names',
  validate(value: unknown) {
    const bad = (value as string[]).find((name) => !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name));
    if (bad !== undefined) throw new Error(`"${bad.slice(0, 80)}" is not a namespace name (lower-case letters, digits and -, at most 63)`);
  },
  coerce: (value: unknown) => commaList(value),
});

convict.addFormat({
  name: 'positive-int',
  validate(value: unknown) {
    if (!Number.isInteger(value) || (value as number) < 1) throw new Error('must be a whole number of at least 1');
  },
  coerce: (value: unknown) => Number(value),
});

convict.addFormat({
  name: 'bind-address',
  validate(value: unknown) {
    if (typeof value !== 'string' || !/^(\[[0-9a-fA-F:.]+\]|[^:\s]*):\d{1,5}$/.test(value)) {
      throw new Error('must be host:port or :port, e.g. :8080 or 127.0.0.1:9100');
    }
    const port = Number(value.slice(value.lastIndexOf(':') + 1));
    if (port > 65535) throw new Error('port must be at most 65535');
  },
});

convict.addFormat({
  name: 'optional-bind-address',
  validate(value: unknown) {
    if (value !== '' && (typeof value !== 'string' || !/^(\[[0-9a-fA-F:.]+\]|[^:\s]*):\d{1,5}$/.test(value) || Number(value.slice(value.lastIndexOf(':') + 1)) > 65535)) {
      throw new Error('must be empty (off) or host:port or :port, e.g. :8443');
    }
  },
});

convict.addFormat({
  name: 'disabled-controller-kinds',
  validate(value: unknown) {
    const allowed = ['*', 'deployment', 'statefulset', 'daemonset', 'cronjob', 'job'];
    if (!Array.isArray(value) || value.some((item) => !allowed.includes(item))) {
      throw new Error(`must be a comma-separated list of ${allowed.join(', ')}`);
    }
  },
  coerce: (value: unknown) => commaList(value).map((item) => item.toLowerCase()),
});

convict.addFormat({
  name: 'extra-workloads',
  validate(value: unknown) {
    if (!Array.isArray(value)) throw new Error('must be a list of group/version/resource:templatePath');
    parseExtraWorkloads(value as string[]);
  },
  coerce: (value: unknown) => commaList(value),
});

convict.addFormat({
  name: 'cloud-providers',
  validate(value: unknown) {
    if (!Array.isArray(value) || value.some((item) => !(CLOUD_NAMES as readonly string[]).includes(item))) {
      throw new Error(`must be a comma-separated list of ${CLOUD_NAMES.join(', ')}`);
    }
  },
  // "none" switches off the default (ecr) where an empty value cannot be written.
  coerce: (value: unknown) => commaList(value).map((item) => item.toLowerCase()).filter((item) => item !== 'none'),
});

for (const [name, parse] of [
  ['cloud-hosts', parseCloudHosts],
  ['cloud-endpoints', parseCloudEndpoints],
] as const) {
  convict.addFormat({
    name,
    validate(value: unknown) {
      if (!Array.isArray(value)) throw new Error('must be a comma-separated list');
      parse(value as string[]);
    },
    coerce: (value: unknown) => commaList(value),
  });
}
