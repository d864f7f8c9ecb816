/** The methods labelled as themselves; anything else is `_OTHER` (plus the ones a user adds). */
export const STANDARD_METHODS: readonly string[] = [
  'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH',
];
/** The method label of any method outside the configured set. */
export const OTHER_METHOD = '_OTHER';
/** The route label when no route template is known. */
export const ROUTE_UNMATCHED = 'unmatched';
/** The route label of label sets recorded past the series limit. */
export const ROUTE_OVERFLOW = 'overflow';
/** Route labels longer than this are cut (a template is never this long; data would be). */
export const MAX_ROUTE_LENGTH = 256;

/** Escapes a label value for the text and OpenMetrics formats (`\`, `"`, newline). */
export function escapeLabelValue(value: string): string {
  if (!/[\\"\n]/.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Escapes HELP text (`\` and newline). */
export function escapeHelp(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/**
 * Makes a route label safe: a string, not longer than MAX_ROUTE_LENGTH, without lone
 * surrogates or control characters (replaced by U+FFFD / space).
 */
export function sanitizeRoute(route: unknown): string {
  if (typeof route !== 'string' || route.length === 0) return ROUTE_UNMATCHED;
  let out = route.length > MAX_ROUTE_LENGTH ? route.slice(0, MAX_ROUTE_LENGTH) : route;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(out)) out = out.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return out.toWellFormed();
}

/** Formats a number as Prometheus does (`+Inf`, `-Inf`, `NaN`). */
export function formatNumber(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (Number.isNaN(value)) return 'NaN';
  return String(value);
}
