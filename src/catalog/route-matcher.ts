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
  patterns: PatternEdge[] | undefined;
  param: TrieNode | undefined;
  template: string | undefined;
}

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
class SegmentTrie implements RouteMatcher {
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
    }
    return next;
  }

  match(path: string): string | undefined {
    if (typeof path !== 'string' || path.charCodeAt(0) !== 47 /* / */) return undefined;
    const rest = trimPath(path);
    if (rest === '') return this.root.template;
    return walk(this.root, rest, 0);
  }
}

function walk(node: TrieNode, path: string, from: number): string | undefined {
  if (from > path.length) return node.template;
  let end = path.indexOf('/', from);
  if (end < 0) end = path.length;
  const segment = decodeSegment(path.slice(from, end));
  const next = end + 1;
  const literal = node.literals?.get(segment);
  if (literal !== undefined) {
    const found = walk(literal, path, next);
    if (found !== undefined) return found;
  }
  if (segment.length === 0) return undefined;
  if (node.patterns !== undefined) {
    for (const edge of node.patterns) {
      if (!edge.re.test(segment)) continue;
      const found = walk(edge.node, path, next);
      if (found !== undefined) return found;
    }
  }
  return node.param === undefined ? undefined : walk(node.param, path, next);
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
