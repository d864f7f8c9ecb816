/** The response categories of the contract. */
export type Category =
  | 'informational'
  | 'success'
  | 'redirection'
  | 'client_fault'
  | 'service_fault'
  | 'invalid';

/** Every category, in code order. */
export const CATEGORIES: readonly Category[] = [
  'informational',
  'success',
  'redirection',
  'client_fault',
  'service_fault',
  'invalid',
];

/** Texts keyed by language tag (`en`, `zh`, ...). */
export type Texts = Readonly<Record<string, string>>;

/** One documented status code. */
export interface CatalogEntry {
  /** The status code, 100-999. */
  readonly code: number;
  /** Overrides the category derived from the code (e.g. 429 treated as a service fault). */
  readonly category?: Category;
  /** The document's own grouping of the code, e.g. `normal` / `abnormal`. */
  readonly group?: string;
  /** What the code means, per language. */
  readonly description: Texts;
}

/** An inclusive range of codes documented together, e.g. OpenAPI's `4XX` = 400..499. */
export interface CodeRange {
  readonly from: number;
  readonly to: number;
  readonly description: Texts;
}

/** The codes documented for one operation (method + route template). */
export interface OperationCodes {
  readonly method: string;
  readonly route: string;
  /** Explicit codes with the operation's own description. */
  readonly codes: ReadonlyMap<number, Texts>;
  /** Ranges such as `4XX`. */
  readonly ranges: readonly CodeRange[];
}

/** Resolves a raw request path to a route template (from an OpenAPI document's paths). */
export interface RouteMatcher {
  /** The template that matches `path` (no query string), or undefined. */
  match(path: string): string | undefined;
  /** How many templates it knows. */
  readonly size: number;
}

/**
 * A catalog of documented status codes: a global list, optionally operation-scoped lists
 * (which win for their operation) and route templates for servers that report none.
 */
export interface Catalog {
  /** A short name for messages and the `faultline catalog show` output. */
  readonly name: string;
  /** Where it came from: `builtin` or a file path. */
  readonly source: string;
  /** The global list, by code. */
  readonly codes: ReadonlyMap<number, CatalogEntry>;
  /** Global ranges (rare; OpenAPI documents put ranges on operations). */
  readonly ranges: readonly CodeRange[];
  /** Operation-scoped lists keyed by `operationKey(method, route)`. */
  readonly operations: ReadonlyMap<string, OperationCodes>;
  /** Route templates for raw paths, when the source has them (OpenAPI). */
  readonly routes?: RouteMatcher;
}

/** The key of an operation in `Catalog.operations`. */
export function operationKey(method: string, route: string): string {
  return `${method.toUpperCase()} ${route}`;
}
