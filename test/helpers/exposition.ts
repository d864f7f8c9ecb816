/** One sample of a Prometheus text or OpenMetrics exposition (test-side reader). */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  exemplar?: { labels: Record<string, string>; value: number };
}

function parseLabels(text: string, start: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start;
  while (text[i] !== '}') {
    if (text[i] === ',') i++;
    const eq = text.indexOf('=', i);
    const key = text.slice(i, eq).trim();
    i = eq + 2; // skip ="
    let value = '';
    while (text[i] !== '"') {
      if (text[i] === '\\') {
        const n = text[i + 1];
        value += n === 'n' ? '\n' : n;
        i += 2;
      } else value += text[i++];
    }
    labels[key] = value;
    i++;
  }
  return { labels, end: i + 1 };
}

function parseValue(v: string): number {
  if (v === '+Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  return Number(v);
}

/** Parses an exposition into samples (comments skipped). */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const brace = line.indexOf('{');
    const space = line.indexOf(' ');
    let name: string;
    let labels: Record<string, string> = {};
    let rest: string;
    if (brace >= 0 && brace < space) {
      name = line.slice(0, brace);
      const parsed = parseLabels(line, brace + 1);
      labels = parsed.labels;
      rest = line.slice(parsed.end).trim();
    } else {
      name = line.slice(0, space);
      rest = line.slice(space + 1).trim();
    }
    const hash = rest.indexOf(' # ');
    const sample: Sample = { name, labels, value: parseValue((hash >= 0 ? rest.slice(0, hash) : rest).split(' ')[0]!) };
    if (hash >= 0) {
      const ex = rest.slice(hash + 3);
      const parsed = parseLabels(ex, 1);
      sample.exemplar = { labels: parsed.labels, value: parseValue(ex.slice(parsed.end).trim().split(' ')[0]!) };
    }
    samples.push(sample);
  }
  return samples;
}

/** The samples of `name` whose labels include `match`. */
export function select(samples: readonly Sample[], name: string, match: Record<string, string> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

/** Sum of the values of the matching samples. */
export function total(samples: readonly Sample[], name: string, match: Record<string, string> = {}): number {
  return select(samples, name, match).reduce((a, s) => a + s.value, 0);
}

/** `{code: value}`-style map keyed by the given labels, joined with `|`. */
export function byLabels(samples: readonly Sample[], name: string, keys: readonly string[], match: Record<string, string> = {}): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of select(samples, name, match)) {
    const key = keys.map((k) => s.labels[k] ?? '').join('|');
    out[key] = (out[key] ?? 0) + s.value;
  }
  return out;
}
