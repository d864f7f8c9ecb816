import type { Paint } from '../cli/colour.js';
import { PLAIN } from '../cli/colour.js';
import type { CodeRow, Mix, TopView } from './model.js';

/** Unicode blocks of the sparkline, lowest first. */
export const BLOCKS = '▁▂▃▄▅▆▇█';

/** Options of `renderTop`. */
export interface RenderOptions {
  /** The scraped URL, shown in the title. */
  readonly url: string;
  /** The polling interval in seconds, shown in the title. */
  readonly interval: number;
  /** Time of the scrape as the user should read it, e.g. `10:21:05`. */
  readonly time: string;
  /** Columns available; descriptions are cut to fit. Default: no limit. */
  readonly width?: number;
  /** Colours (default none). */
  readonly paint?: Paint;
  /** A line shown under the title, e.g. the last scrape's error. */
  readonly notice?: string;
  /** Sparkline width in characters. Default 10. */
  readonly trendWidth?: number;
}

/**
 * A sparkline of `values` (oldest first), scaled to their maximum, right-aligned in `width`
 * characters; zero is the lowest block.
 * @example
 * ```ts
 * sparkline([0, 1, 2, 4], 6); // '  ▁▃▅█'
 * ```
 */
export function sparkline(values: readonly number[], width: number): string {
  const shown = values.slice(-width);
  const max = Math.max(0, ...shown);
  let out = '';
  for (const v of shown) out += BLOCKS[max === 0 ? 0 : Math.min(7, Math.round((v / max) * 7))];
  return out.padStart(width, ' ');
}

/**
 * A rate per second: two decimals below 10, one below 1000, none above; `-` when unknown.
 * @example
 * ```ts
 * formatRate(0.5); // '0.50'
 * ```
 */
export function formatRate(rate: number | undefined): string {
  if (rate === undefined) return '-';
  if (rate < 10) return rate.toFixed(2);
  if (rate < 1000) return rate.toFixed(1);
  return rate.toFixed(0);
}

/**
 * A share 0-1 as a percentage with one decimal; `-` when unknown.
 * @example
 * ```ts
 * formatShare(0.123); // '12.3%'
 * ```
 */
export function formatShare(share: number | undefined): string {
  return share === undefined ? '-' : `${(share * 100).toFixed(1)}%`;
}

function categoryPaint(paint: Paint, category: string): (text: string) => string {
  switch (category) {
    case 'success': return paint.green;
    case 'redirection': return paint.cyan;
    case 'client_fault': return paint.yellow;
    case 'service_fault': return paint.red;
    default: return paint.magenta;
  }
}

function cut(text: string, room: number): string {
  const chars = [...text];
  if (chars.length <= room) return text;
  return room <= 1 ? '' : `${chars.slice(0, room - 1).join('')}…`;
}

function mixLines(label: string, mix: Mix, paint: Paint, extra: string): string[] {
  const warn = (share: number | undefined, colour: (t: string) => string): string => {
    const text = formatShare(share);
    return share !== undefined && share > 0 ? colour(text) : text;
  };
  return [
    `${paint.bold(label)}  ${formatRate(mix.rate)}/s  total ${mix.total}${extra}`,
    `  client faults ${warn(mix.clientShare, paint.yellow)}  service faults ${warn(mix.serviceShare, paint.red)}  undocumented ${warn(mix.undocumentedShare, paint.magenta)}`,
  ];
}

const HEADER = '  CODE  CATEGORY        RATE/S     TOTAL  ';

function rowLines(rows: readonly CodeRow[], o: Required<Pick<RenderOptions, 'trendWidth'>> & RenderOptions, paint: Paint): string[] {
  if (rows.length === 0) return ['  (no responses counted yet)'];
  const trendHead = 'TREND'.padEnd(o.trendWidth);
  const lines = [paint.dim(`${HEADER}${trendHead}  DESCRIPTION`)];
  for (const r of rows) {
    const colour = categoryPaint(paint, r.category);
    const marker = r.documented ? ' ' : '!';
    const text = r.description !== '' ? r.description : r.documented ? '' : '(not in the catalog)';
    const fixed = `${marker} ${r.code.padEnd(5)} ${r.category.padEnd(14)} ${formatRate(r.rate).padStart(7)} ${String(r.total).padStart(9)}  `;
    const room = o.width === undefined ? Infinity : o.width - fixed.length - o.trendWidth - 2;
    const head = r.documented ? `${marker} ${r.code.padEnd(5)} ${colour(r.category.padEnd(14))}` : paint.inverse(paint.magenta(`${marker} ${r.code.padEnd(5)}`)) + ` ${colour(r.category.padEnd(14))}`;
    const desc = cut(text, room);
    lines.push(`${head} ${formatRate(r.rate).padStart(7)} ${String(r.total).padStart(9)}  ${colour(sparkline(r.history, o.trendWidth))}  ${r.documented ? desc : paint.magenta(desc)}`.trimEnd());
  }
  return lines;
}

/**
 * Renders one screen of `faultline top`: a title, the server's mix (rate, client and service
 * fault shares, undocumented share), one row per code with its category, rate, total, sparkline
 * and the catalog's description, then the same per upstream when the target counts outbound
 * calls. Pure: the same view and options give the same text.
 *
 * @example
 * ```ts
 * process.stdout.write(renderTop(view, { url, interval: 2, time: '10:21:05' }).join('\n'));
 * ```
 */
export function renderTop(view: TopView, options: RenderOptions): string[] {
  const paint = options.paint ?? PLAIN;
  const o = { ...options, trendWidth: options.trendWidth ?? 10 };
  const lines: string[] = [];
  lines.push(`${paint.bold('faultline top')}  ${o.url}  every ${o.interval}s  ${o.time}`);
  if (o.notice !== undefined) lines.push(paint.red(o.notice));
  const aborted = `  aborted ${formatRate(view.abortedRate)}/s  in flight ${view.inFlight}`;
  lines.push('', ...mixLines('server', view.mix, paint, aborted));
  lines.push(...rowLines(view.rows, o, paint));
  for (const u of view.upstreams) {
    lines.push('', ...mixLines(`outbound ${u.upstream}`, u.mix, paint, `  failed ${formatRate(u.failedRate)}/s`));
    lines.push(...rowLines(u.rows, o, paint));
  }
  lines.push('');
  if (view.overflow > 0) lines.push(paint.yellow(`${view.overflow} observations recorded under route "overflow": the series limit was reached`));
  const anyUndocumented = view.rows.some((r) => !r.documented) || view.upstreams.some((u) => u.rows.some((r) => !r.documented));
  if (anyUndocumented) lines.push(`${paint.magenta('!')} undocumented: the catalog does not list this code (for at least one operation)`);
  if (view.seconds === undefined) lines.push(paint.dim('rates appear after the second scrape'));
  return lines;
}

/**
 * One line summing up a view, for logs and terminals that are not TTYs.
 * @example
 * ```ts
 * renderSummaryLine(view, '10:21:05');
 * // '10:21:05  server 50.20/s total 203  client faults 12.1%  service faults 5.0%  undocumented 3.0%'
 * ```
 */
export function renderSummaryLine(view: TopView, time: string): string {
  const m = view.mix;
  let line = `${time}  server ${formatRate(m.rate)}/s total ${m.total}  client faults ${formatShare(m.clientShare)}  service faults ${formatShare(m.serviceShare)}  undocumented ${formatShare(m.undocumentedShare)}`;
  for (const u of view.upstreams) line += `  | outbound ${u.upstream} ${formatRate(u.mix.rate)}/s total ${u.mix.total}  service faults ${formatShare(u.mix.serviceShare)}`;
  return line;
}
