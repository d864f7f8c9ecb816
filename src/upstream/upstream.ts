import type { CatalogSource } from '../catalog/load.js';
import type { Catalog } from '../catalog/types.js';

/**
 * An upstream API whose answers are counted: `fl.upstream({ base, catalog })` or one entry of
 * the `FAULTLINE_UPSTREAMS` file.
 * @example
 * ```ts
 * const rds: UpstreamOptions = { base: 'https://rds.example.com/v3', catalog: './rds-openapi.yaml' };
 * fl.upstream(rds);
 * ```
 */
export interface UpstreamOptions {
  /**
   * The base URL, e.g. `https://rds.example.com/v3`. Only calls whose URL starts with it (same
   * scheme, host and port, path under its path at a `/` boundary) are counted.
   */
  readonly base: string;
  /**
   * The upstream's catalog: a catalog file, an OpenAPI / Swagger document or a Catalog object.
   * Default: the built-in catalog. Its path templates give the `route` label.
   */
  readonly catalog?: CatalogSource;
}

/**
 * A parsed base URL.
 * @example
 * ```ts
 * const base = parseBase('http://billing.internal:8080') as ParsedBase;
 * base.authority; // 'billing.internal:8080'
 * ```
 */
export interface ParsedBase {
  /** The normalised URL (`https://rds.example.com/v3`). */
  readonly href: string;
  readonly protocol: 'http:' | 'https:';
  /** `https://rds.example.com` (URL.origin). */
  readonly origin: string;
  /** Host with the port when not the scheme's default: the `upstream` label. */
  readonly authority: string;
  /** The path without trailing slash, '' for the root. */
  readonly prefix: string;
}

/**
 * Parses and checks a base URL; returns the problem as text when it cannot be used.
 * @example
 * ```ts
 * parseBase('https://rds.example.com:8443/v3/');
 * // { href: 'https://rds.example.com:8443/v3', protocol: 'https:', origin: 'https://rds.example.com:8443',
 * //   authority: 'rds.example.com:8443', prefix: '/v3' }
 * parseBase('ftp://x'); // '"ftp://x" is not an http or https URL'
 * ```
 */
export function parseBase(base: unknown): ParsedBase | string {
  if (typeof base !== 'string' || base === '') return `${JSON.stringify(base) ?? String(base)} is not a URL`;
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return `"${base}" is not a URL (expected e.g. "https://api.example.com/v3")`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `"${base}" is not an http or https URL`;
  if (url.username !== '' || url.password !== '') return `"${base}" must not carry credentials`;
  if (url.search !== '' || url.hash !== '' || base.includes('?') || base.includes('#')) return `"${base}" must not have a query or fragment`;
  const prefix = url.pathname.replace(/\/+$/, '');
  return { href: url.origin + prefix, protocol: url.protocol, origin: url.origin, authority: url.host, prefix };
}

/**
 * One watched upstream of an instance, resolved: its base, label, catalog and route cache.
 * @example
 * ```ts
 * const u = new Upstream(parseBase('https://rds.example.com/v3') as ParsedBase, loadCatalog('./rds-openapi.yaml'));
 * u.routeLabel(u.template('/v3/p1/instances')!); // '/{project_id}/instances'
 * ```
 */
export class Upstream {
  /** Route templates seen, with their label (base prefix removed); bounded by the catalog's size. */
  private readonly labels = new Map<string, string>();

  constructor(
    readonly base: ParsedBase,
    readonly catalog: Catalog,
  ) {}

  /** The `upstream` label: the base's host, with the port when not the scheme's default. */
  get label(): string {
    return this.base.authority;
  }

  /**
   * The catalog's template for a request path (query allowed), or undefined. The full path is
   * tried first (templates that carry the base's prefix, as OpenAPI `servers` give them), then
   * the path with the prefix removed (templates relative to the base).
   */
  template(path: string): string | undefined {
    const matcher = this.catalog.routes;
    if (matcher === undefined) return undefined;
    const q = path.indexOf('?');
    const pathname = q < 0 ? path : path.slice(0, q);
    const found = matcher.match(pathname);
    if (found !== undefined) return found;
    const prefix = this.base.prefix;
    if (prefix === '' || !pathname.startsWith(prefix)) return undefined;
    return matcher.match(pathname.slice(prefix.length) || '/');
  }

  /** The route label of a template: the template without the base's path prefix. */
  routeLabel(template: string): string {
    let label = this.labels.get(template);
    if (label === undefined) {
      const prefix = this.base.prefix;
      const cut = prefix !== '' && template.startsWith(prefix) && (template.length === prefix.length || template[prefix.length] === '/');
      label = cut ? template.slice(prefix.length) || '/' : template;
      this.labels.set(template, label);
    }
    return label;
  }
}
