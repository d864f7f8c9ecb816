import type { ExpositionFormat } from './render.js';

/**
 * Picks the exposition format from an Accept header: OpenMetrics when an acceptable
 * OpenMetrics version (1.0.0, 0.0.1 or none) has a strictly higher q than the text format,
 * text otherwise (ties, `*\/*`, junk, unknown versions and protobuf-only headers get text).
 * Never throws.
 *
 * @example
 * ```ts
 * negotiate('application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5'); // 'openmetrics'
 * negotiate('*\/*'); // 'text'
 * ```
 */
export function negotiate(accept: string | undefined): ExpositionFormat {
  if (accept === undefined || accept.length === 0 || accept.length > 4096) return 'text';
  let om = 0;
  let text = 0;
  for (const part of accept.split(',')) {
    const params = part.split(';');
    const type = params[0]!.trim().toLowerCase();
    let q = 1;
    let version: string | undefined;
    for (let i = 1; i < params.length; i++) {
      const eq = params[i]!.indexOf('=');
      if (eq < 0) continue;
      const key = params[i]!.slice(0, eq).trim().toLowerCase();
      const value = params[i]!.slice(eq + 1).trim();
      if (key === 'q') {
        const parsed = Number(value);
        q = Number.isFinite(parsed) && parsed >= 0 && parsed <= 1 ? parsed : 0;
      } else if (key === 'version') {
        version = value;
      }
    }
    if (type === 'application/openmetrics-text') {
      if (version === undefined || version === '1.0.0' || version === '0.0.1') om = Math.max(om, q);
    } else if (type === 'text/plain') {
      if (version === undefined || version === '0.0.4') text = Math.max(text, q);
    } else if (type === '*/*' || type === 'text/*') {
      text = Math.max(text, q);
    }
  }
  return om > 0 && om > text ? 'openmetrics' : 'text';
}

/** Whether Accept-Encoding allows gzip (q > 0). Never throws. */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (acceptEncoding === undefined || acceptEncoding.length > 4096) return false;
  for (const part of acceptEncoding.split(',')) {
    const [coding, ...params] = part.split(';');
    const name = coding!.trim().toLowerCase();
    if (name !== 'gzip' && name !== 'x-gzip' && name !== '*') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (q === undefined || Number(q.slice(2)) > 0) return true;
  }
  return false;
}
