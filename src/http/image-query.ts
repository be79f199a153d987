// What the status page and /api/images were asked for: filters and one page of results. Query
// strings come from anyone who reaches the port, so every value is bounded and unknown ones fall
// back to the default rather than failing.
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 500;
const MAX_OFFSET = 10_000_000;
const MAX_TEXT = 200;

export const SORTS = ['status', 'since', 'registry', 'image'] as const;
export type Sort = (typeof SORTS)[number];

export type ImageQuery = {
  /** A status, `failing` (anything but available and pending), or undefined for all. */
  status?: string;
  namespace?: string;
  /** Text searched in image, registry, workloads, namespaces and pull secret names. */
  q?: string;
  /** status: failing first (the default); since: latest status change first; registry; image. */
  sort: Sort;
  limit: number;
  offset: number;
  /** `results`: only the part of the page a filter, search, sort or page changes (status-page.ts renderResults), for the page's script. */
  part?: 'results';
};

export function parseImageQuery(params: URLSearchParams): ImageQuery {
  return {
    status: text(params.get('status')),
    namespace: text(params.get('namespace')),
    q: text(params.get('q')?.trim() ?? null),
    sort: (SORTS as readonly string[]).includes(params.get('sort') ?? '') ? (params.get('sort') as Sort) : 'status',
    limit: integer(params.get('limit'), DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE),
    offset: integer(params.get('offset'), 0, 0, MAX_OFFSET),
    part: params.get('part') === 'results' ? 'results' : undefined,
  };
}

/** The query string that asks for `query` (defaults left out), for links between pages: always the whole page. */
export function queryString(query: ImageQuery): string {
  const params = new URLSearchParams();
  if (query.status) params.set('status', query.status);
  if (query.namespace) params.set('namespace', query.namespace);
  if (query.q) params.set('q', query.q);
  if (query.sort !== 'status') params.set('sort', query.sort);
  if (query.limit !== DEFAULT_PAGE_SIZE) params.set('limit', String(query.limit));
  if (query.offset) params.set('offset', String(query.offset));
  const text = params.toString();
  return text ? `?${text}` : '';
}

function text(value: string | null): string | undefined {
  return value ? value.slice(0, MAX_TEXT) : undefined;
}

function integer(value: string | null, fallback: number, min: number, max: number): number {
  if (value === null || !/^\d{1,9}$/.test(value)) return fallback;
  return Math.min(max, Math.max(min, Number(value)));
}
