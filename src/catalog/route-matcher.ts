import type { RouteMatcher } from './types.js';

/** A segment mixing text and parameters, such as `{name}.{ext}` or `v{major}`. */
interface PatternEdge {
  readonly re: RegExp;
  /** Characters outside parameters: the more, the more specific (tried first). */
  readonly literal: number;
  readonly node: TrieNode;
}

/** One level of the segment trie: literal children by text, then patterns, then one parameter edge. */
class TrieNode {
  literals: Map<string, TrieNode> | undefined;
  /**
   * The same children as `literals` while there are at most SCAN_LIMIT of them (most nodes of an
   * API's trie): compared in place with the request path, where a map lookup first cut the
   * segment out of the path (a new string) and hashed it.
   */
  literalKeys: string[] | undefined;
  literalNodes: TrieNode[] | undefined;
  patterns: PatternEdge[] | undefined;
  param: TrieNode | undefined;
  template: string | undefined;
}

/** Literal children compared one by one up to this many; past it, looked up in the map. */
const SCAN_LIMIT = 8;

const WHOLE_PARAM = /^(?:\{[^{}/]+\}|:[A-Za-z_$][\w$]*)$/;
const PARAM_IN_SEGMENT = /\{[^{}/]+\}/g;
const HAS_PARAM = /\{[^{}/]+\}/;

function decodeSegment(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // a malformed escape is compared as written
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function patternOf(segment: string): RegExp {
  let source = '';
  let last = 0;
  for (const m of segment.matchAll(PARAM_IN_SEGMENT)) {
    source += `${escapeRegExp(decodeSegment(segment.slice(last, m.index)))}(.+?)`;
    last = m.index + m[0].length;
  }
  source += escapeRegExp(decodeSegment(segment.slice(last)));
  return new RegExp(`^${source}$`, 's');
}

/** The request path without its leading slash and without one trailing slash. */
function trimPath(path: string): string {
  const end = path.length > 1 && path.endsWith('/') ? path.length - 1 : path.length;
  return path.slice(1, end);
}

/**
 * Matches raw request paths to route templates with a segment trie: one map lookup per literal
 * segment, so the cost grows with the depth of the path, not with the number of templates.
 *
 * Rules: literal segments win over mixed segments (`{name}.json`, the one with more literal
 * text first), which win over whole
 * parameters (`{id}` or `:id`); the search backtracks when a literal branch dead-ends. A
 * parameter matches one non-empty segment (an encoded `%2F` stays inside its segment). Segments
 * are compared percent-decoded, paths and templates case-sensitively, and one trailing slash is
 * ignored on both sides. The first of two equivalent templates wins.
 */
export class SegmentTrie implements RouteMatcher {
  private readonly root = new TrieNode();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(template: string): void {
    if (!template.startsWith('/')) throw new RangeError(`route template "${template}" does not start with "/"`);
    const rest = trimPath(template);
    let node = this.root;
    if (rest !== '') {
      for (const segment of rest.split('/')) node = this.child(node, segment);
    }
    if (node.template === undefined) {
      node.template = template;
      this.count += 1;
    }
  }

  private child(node: TrieNode, segment: string): TrieNode {
    if (WHOLE_PARAM.test(segment)) return (node.param ??= new TrieNode());
    if (HAS_PARAM.test(segment)) {
      const re = patternOf(segment);
      node.patterns ??= [];
      const existing = node.patterns.find((p) => p.re.source === re.source);
      if (existing) return existing.node;
      const edge = { re, literal: segment.replace(PARAM_IN_SEGMENT, '').length, node: new TrieNode() };
      node.patterns.push(edge);
      node.patterns.sort((a, b) => b.literal - a.literal);
      return edge.node;
    }
    const key = decodeSegment(segment);
    node.literals ??= new Map();
    let next = node.literals.get(key);
    if (next === undefined) {
      next = new TrieNode();
      node.literals.set(key, next);
      if (node.literals.size <= SCAN_LIMIT) {
        (node.literalKeys ??= []).push(key);
        (node.literalNodes ??= []).push(next);
      } else {
        node.literalKeys = undefined;
        node.literalNodes = undefined;
      }
    }
    return next;
  }

  match(path: string): string | undefined {
    return typeof path === 'string' ? this.matchUntil(path, path.length) : undefined;
  }

  /**
   * @internal `match()` of `url.slice(0, stop)` (the path of a request target whose query starts
   * at `stop`), without cutting it out: the hot path of faultline/register.
   */
  matchUntil(url: string, stop: number): string | undefined {
    if (url.charCodeAt(0) !== 47 /* / */) return undefined;
    // One trailing slash is ignored, as in the templates.
    if (stop > 1 && url.charCodeAt(stop - 1) === 47) stop--;
    if (stop <= 1) return this.root.template;
    const pct = url.indexOf('%');
    return walk(this.root, url, 1, stop, pct >= 0 && pct < stop);
  }
}

/** Whether `path.slice(from, end)` is `key`, without making that string. */
function sameText(key: string, path: string, from: number, end: number): boolean {
  if (key.length !== end - from) return false;
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) !== path.charCodeAt(from + i)) return false;
  return true;
}

/** The literal child of `node` named by `path.slice(from, end)` (percent-decoded when `decode`). */
function literalChild(node: TrieNode, path: string, from: number, end: number, decode: boolean): TrieNode | undefined {
  const keys = node.literalKeys;
  if (keys === undefined || decode) {
    const literals = node.literals;
    return literals === undefined ? undefined : literals.get(decode ? decodeSegment(path.slice(from, end)) : path.slice(from, end));
  }
  for (let i = 0; i < keys.length; i++) if (sameText(keys[i]!, path, from, end)) return node.literalNodes![i];
  return undefined;
}

/**
 * The template under `node` matching the path's segments from `from` to `stop` (exclusive);
 * `decode` when the path holds a `%` escape (segments are then compared decoded).
 */
function walk(node: TrieNode, path: string, from: number, stop: number, decode: boolean): string | undefined {
  if (from > stop) return node.template;
  let end = path.indexOf('/', from);
  if (end < 0 || end > stop) end = stop;
  const next = end + 1;
  const literal = literalChild(node, path, from, end, decode);
  if (literal !== undefined) {
    const found = walk(literal, path, next, stop, decode);
    if (found !== undefined) return found;
  }
  if (end === from) return undefined;
  if (node.patterns !== undefined) {
    const segment = decode ? decodeSegment(path.slice(from, end)) : path.slice(from, end);
    for (const edge of node.patterns) {
      if (!edge.re.test(segment)) continue;
      const found = walk(edge.node, path, next, stop, decode);
      if (found !== undefined) return found;
    }
  }
  return node.param === undefined ? undefined : walk(node.param, path, next, stop, decode);
}

/**
 * Compiles route templates (`/v1/pets/{petId}`, `/items/:id`) into a matcher for raw request
 * paths (without query string). Throws a RangeError naming a template that does not start
 * with `/`.
 *
 * @example
 * ```ts
 * import { compileRoutes } from 'faultline';
 * const routes = compileRoutes(['/v1/pets', '/v1/pets/{petId}', '/v1/pets/mine']);
 * routes.match('/v1/pets/42');   // '/v1/pets/{petId}'
 * routes.match('/v1/pets/mine'); // '/v1/pets/mine' (literal segments win)
 * routes.match('/v2/pets');      // undefined
 * ```
 */
export function compileRoutes(templates: Iterable<string>): RouteMatcher {
  const trie = new SegmentTrie();
  for (const template of templates) trie.add(template);
  return trie;
}

/**
 * The `:param` form of a `{param}` template (`/v1/pets/{petId}` -> `/v1/pets/:petId`), the form
 * Express, Fastify and Koa report; undefined when the template has no whole-segment parameter
 * or has a mixed one (`{name}.json`).
 *
 * @example
 * ```ts
 * colonTemplate('/v1/pets/{petId}'); // '/v1/pets/:petId'
 * ```
 */
export function colonTemplate(template: string): string | undefined {
  const segments = template.split('/');
  let changed = false;
  for (let i = 0; i < segments.length; i++) {
    const m = /^\{([A-Za-z_$][\w$]*)\}$/.exec(segments[i]!);
    if (m) {
      segments[i] = `:${m[1]!}`;
      changed = true;
    } else if (segments[i]!.includes('{')) return undefined;
  }
  return changed ? segments.join('/') : undefined;
}
