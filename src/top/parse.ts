/** One sample of a scraped exposition. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A parsed scrape: the samples and the declared type of each metric family. */
export interface Scrape {
  readonly samples: readonly Sample[];
  /** `# TYPE` lines: family name -> type (`counter`, `gauge`, `histogram`, ...). */
  readonly types: ReadonlyMap<string, string>;
}

/**
 * A line of an exposition that does not parse; the message names the line.
 * @example
 * ```ts
 * try { parseExposition('<!DOCTYPE html>'); } catch (err) { (err as ExpositionError).line; } // 1
 * ```
 */
export class ExpositionError extends Error {
  override name = 'ExpositionError';
  constructor(
    readonly line: number,
    problem: string,
  ) {
    super(`line ${line}: ${problem}`);
  }
}

function parseValue(raw: string, line: number): number {
  if (raw === '+Inf' || raw === 'Inf') return Infinity;
  if (raw === '-Inf') return -Infinity;
  if (raw === 'NaN') return NaN;
  const value = Number(raw);
  if (raw === '' || Number.isNaN(value)) throw new ExpositionError(line, `"${raw}" is not a sample value`);
  return value;
}

/** Reads `{a="x",b="y"}` starting after the `{`; returns the labels and the index after `}`. */
function parseLabels(text: string, start: number, line: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start;
  for (;;) {
    while (text[i] === ' ' || text[i] === ',') i++;
    if (text[i] === '}') return { labels, end: i + 1 };
    const eq = text.indexOf('=', i);
    if (eq < 0 || text[eq + 1] !== '"') throw new ExpositionError(line, 'label without ="value"');
    const key = text.slice(i, eq).trim();
    i = eq + 2;
    let value = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) throw new ExpositionError(line, `label ${key} has no closing quote`);
      if (c === '"') break;
      if (c === '\\') {
        const n = text[i + 1];
        value += n === 'n' ? '\n' : (n ?? '');
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    labels[key] = value;
    i++;
  }
}

/**
 * Parses a Prometheus text 0.0.4 or OpenMetrics 1.0 exposition (exemplars and timestamps are
 * ignored). Pure.
 * @throws ExpositionError naming the first line that does not parse.
 * @example
 * ```ts
 * parseExposition('# TYPE x_total counter\nx_total{code="200"} 3\n').samples[0];
 * // { name: 'x_total', labels: { code: '200' }, value: 3 }
 * ```
 */
export function parseExposition(text: string): Scrape {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trimEnd();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^# TYPE (\S+) (\S+)/.exec(line);
      if (m) types.set(m[1]!, m[2]!);
      continue;
    }
    const brace = line.indexOf('{');
    const space = line.indexOf(' ');
    let name: string;
    let labels: Record<string, string> = {};
    let rest: string;
    if (brace >= 0 && (space < 0 || brace < space)) {
      name = line.slice(0, brace);
      const parsed = parseLabels(line, brace + 1, n + 1);
      labels = parsed.labels;
      rest = line.slice(parsed.end).trim();
    } else {
      if (space < 0) throw new ExpositionError(n + 1, 'sample without a value');
      name = line.slice(0, space);
      rest = line.slice(space + 1).trim();
    }
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new ExpositionError(n + 1, `"${name.slice(0, 60)}" is not a metric name`);
    const hash = rest.indexOf(' # ');
    const valueText = (hash >= 0 ? rest.slice(0, hash) : rest).split(' ')[0] ?? '';
    samples.push({ name, labels, value: parseValue(valueText, n + 1) });
  }
  return { samples, types };
}
