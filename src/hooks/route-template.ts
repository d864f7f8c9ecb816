/**
 * Route templates as label values: stable strings built from what the application declared
 * (path strings, regular expressions, arrays of them), never from request data.
 */

/**
 * The label form of a declared path: strings as written, a RegExp as its literal
 * (`/^\/v\d+/i`), an array as `(a|b)`. Anything else gives `undefined`.
 * @example
 * ```ts
 * pathToTemplate('/items/:id');          // '/items/:id'
 * pathToTemplate(['/a', /^\/b/]);        // '(/a|/^\/b/)'
 * ```
 */
export function pathToTemplate(path: unknown): string | undefined {
  if (typeof path === 'string') return path;
  if (path instanceof RegExp) return String(path);
  if (Array.isArray(path)) {
    const parts: string[] = [];
    for (const p of path as unknown[]) {
      const t = pathToTemplate(p);
      if (t !== undefined) parts.push(t);
    }
    return parts.length === 1 ? parts[0] : `(${parts.join('|')})`;
  }
  return undefined;
}

/**
 * The label form of a mount path (`app.use(path, router)`): like `pathToTemplate`, with trailing
 * slashes dropped as the routers do, and `''` for the root.
 * @example
 * ```ts
 * mountTemplate('/v3/:project_id/'); // '/v3/:project_id'
 * mountTemplate('/');                // ''
 * ```
 */
export function mountTemplate(path: unknown): string {
  const t = pathToTemplate(path) ?? '';
  if (typeof path !== 'string') return t;
  let end = t.length;
  while (end > 0 && t.charCodeAt(end - 1) === 47 /* / */) end--;
  return t.slice(0, end);
}

/**
 * Joins a mount prefix and a route path into one template without doubled or trailing slashes.
 * @example
 * ```ts
 * joinTemplate('/v3/:project_id', '/instances/:instance_id'); // '/v3/:project_id/instances/:instance_id'
 * joinTemplate('/v3', '/');                                   // '/v3'
 * ```
 */
export function joinTemplate(prefix: string, path: string): string {
  if (prefix === '') return path === '' ? '/' : path;
  if (path === '' || path === '/') return prefix;
  if (prefix.endsWith('/') && path.startsWith('/')) return prefix + path.slice(1);
  return path.startsWith('/') ? prefix + path : `${prefix}/${path}`;
}

const DEFAULT_CAPTURES = new Set(['[^\\/]+?', '[^\\/\\.]+?', '[^/]+?', '[^/\\.]+?']);
const END_SUFFIXES = ['(?=\\/|$)', '(?:\\/|$)', '(?=/|$)', '(?:/|$)', '$'];

/** Index of the `)` closing the group opened at `open`, honouring escapes and classes. */
function closingParen(s: string, open: number): number {
  let depth = 0;
  let inClass = false;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') { i++; continue; }
    if (inClass) { if (c === ']') inClass = false; continue; }
    if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

interface Key { readonly name: string | number }

/**
 * Rebuilds the path an Express 4 layer was declared with from the regular expression that
 * path-to-regexp 0.1 compiled it to (Express 4 keeps no other trace of a mount path).
 * Returns `undefined` when the expression is not one path-to-regexp 0.1 makes (a RegExp the
 * application passed itself); the caller then uses the RegExp's literal.
 * @example
 * ```ts
 * express4PathFromRegexp(/^\/v3\/(?:([^\/]+?))\/?(?=\/|$)/i, [{ name: 'project_id' }]); // '/v3/:project_id'
 * ```
 */
export function express4PathFromRegexp(regexp: RegExp, keys: readonly Key[]): string | undefined {
  // An array path compiles to its parts' expressions joined by `|`.
  const parts = splitAlternatives(regexp.source);
  const paths: string[] = [];
  let k = 0;
  for (const part of parts) {
    const one = decompile(part, keys, k);
    if (one === undefined) return undefined;
    paths.push(one.path);
    k += one.keys;
  }
  return paths.length === 1 ? paths[0] : `(${paths.join('|')})`;
}

/** Splits `^a|^b` at the top-level `|^` that joins the parts of an array path. */
function splitAlternatives(source: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') { i++; continue; }
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0 && source[i + 1] === '^') {
      parts.push(source.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(source.slice(from));
  return parts;
}

function decompile(source: string, keys: readonly Key[], firstKey: number): { path: string; keys: number } | undefined {
  let s = source;
  if (!s.startsWith('^')) return undefined;
  s = s.slice(1);
  for (const suffix of END_SUFFIXES) {
    if (s.endsWith(suffix)) { s = s.slice(0, -suffix.length); break; }
  }
  if (s.endsWith('\\/?')) s = s.slice(0, -3);
  else if (s.endsWith('/?')) s = s.slice(0, -2);
  let out = '';
  let k = firstKey;
  let i = 0;
  while (i < s.length) {
    if (s.startsWith('(.*)', i)) { out += '*'; k++; i += 4; continue; }
    if (s.startsWith('(?:', i)) {
      const close = closingParen(s, i);
      if (close < 0) return undefined;
      const param = express4Param(s.slice(i + 3, close), keys, k);
      if (param === undefined) return undefined;
      out += param.text;
      k += param.keys;
      i = close + 1;
      if (s[i] === '?') { out += '?'; i++; }
      continue;
    }
    const c = s[i]!;
    if (c === '(' || c === ')' || c === '|' || c === '[' || c === '^' || c === '$') return undefined;
    if (c === '\\') {
      const escaped = s[i + 1] ?? '';
      // `\d`, `\w`, ...: a character class, so a RegExp the application wrote, not a path.
      if (/[0-9A-Za-z]/.test(escaped)) return undefined;
      out += escaped;
      i += 2;
      continue;
    }
    out += c;
    i++;
  }
  return { path: out === '' ? '/' : out, keys: k - firstKey };
}

/** One `(?:…)` group of path-to-regexp 0.1: `[.][/]:name[(capture)][*]`. */
function express4Param(inner: string, keys: readonly Key[], k: number): { text: string; keys: number } | undefined {
  let j = 0;
  let text = '';
  if (inner.startsWith('\\.', j)) { text += '.'; j += 2; }
  if (inner.startsWith('\\/', j)) { text = `/${text}`; j += 2; } else if (inner[j] === '/') { text = `/${text}`; j += 1; }
  if (inner[j] !== '(') return undefined;
  const close = closingParen(inner, j);
  if (close < 0) return undefined;
  const capture = inner.slice(j + 1, close);
  const key = keys[k];
  if (key === undefined) return undefined;
  text += `:${String(key.name)}`;
  const custom = !DEFAULT_CAPTURES.has(capture) && !(capture.startsWith('(?:(?!') && capture.endsWith(').)+?'));
  if (custom) text += `(${capture})`;
  let used = 1;
  const rest = inner.slice(close + 1);
  if (rest.startsWith('((?:[') && rest.endsWith('].+?)?)')) { text += '*'; used = 2; } else if (rest !== '') return undefined;
  return { text, keys: used };
}
