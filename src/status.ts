// The eight check outcomes the Go exporter exported; dashboards and alerts depend on these names.
export const STATUSES = [
  'available',
  'bad_image_format',
  'absent',
  'registry_unavailable',
  'registry_v1_api_not_supported',
  'authentication_failure',
  'authorization_failure',
  'unknown_error',
] as const;

export type Status = (typeof STATUSES)[number];
