import type { ClientRecorder } from '../record/client-recorder.js';
import type { ClientMetricNames } from '../record/client-names.js';
import { CLIENT_HELP } from '../record/client-names.js';
import { escapeHelp, formatNumber } from '../record/labels.js';

/**
 * What the renderer needs of an instance's outbound side.
 * @example
 * ```ts
 * const source: ClientRenderSource = { recorder: clientRecorder, names: clientMetricNames() };
 * ```
 */
export interface ClientRenderSource {
  readonly recorder: ClientRecorder;
  readonly names: ClientMetricNames;
}

function header(out: string[], family: string, type: string, help: string): void {
  out.push(`# HELP ${family} ${escapeHelp(help)}\n# TYPE ${family} ${type}\n`);
}

/**
 * Appends the three client families (responses, duration histogram, failures) to `out`.
 * `le` are the rendered bucket label suffixes of the instance (`,le="0.005"} ` ... `,le="+Inf"} `).
 *
 * @example
 * ```ts
 * const out: string[] = [];
 * renderClient(out, outbound, plan.leLabels, false);
 * ```
 */
export function renderClient(out: string[], source: ClientRenderSource, le: readonly string[], om: boolean): void {
  const { recorder, names: n } = source;
  const counterFamily = (name: string): string => (om ? name.replace(/_total$/, '') : name);

  header(out, counterFamily(n.responses), 'counter', CLIENT_HELP.responses);
  let chunk = '';
  for (const s of recorder.responses.values()) {
    chunk += `${n.responses}{${s.counterLabels}} ${s.count}\n`;
    if (chunk.length > 65536) { out.push(chunk); chunk = ''; }
  }
  out.push(chunk);

  header(out, n.duration, 'histogram', CLIENT_HELP.duration);
  const bucketName = `${n.duration}_bucket{`;
  chunk = '';
  for (const s of recorder.responses.values()) {
    let cumulative = 0;
    const prefix = bucketName + s.histogramLabels;
    for (let i = 0; i < le.length; i++) {
      cumulative += s.buckets[i]!;
      chunk += `${prefix}${le[i]!}${cumulative}\n`;
    }
    chunk += `${n.duration}_sum{${s.histogramLabels}} ${formatNumber(s.sum)}\n${n.duration}_count{${s.histogramLabels}} ${s.observed}\n`;
    if (chunk.length > 65536) { out.push(chunk); chunk = ''; }
  }
  out.push(chunk);

  header(out, counterFamily(n.failed), 'counter', CLIENT_HELP.failed);
  chunk = '';
  for (const s of recorder.failures.values()) chunk += `${n.failed}{${s.labels}} ${s.count}\n`;
  out.push(chunk);
}

/**
 * The client metrics' lines of `faultline_series_overflow_total` (rendered inside that family).
 * @example
 * ```ts
 * clientOverflowLines('faultline_series_overflow_total', outbound);
 * ```
 */
export function clientOverflowLines(family: string, source: ClientRenderSource): string {
  const { recorder, names } = source;
  return `${family}{metric="${names.responses}"} ${recorder.overflowed.responses}\n` +
    `${family}{metric="${names.failed}"} ${recorder.overflowed.failed}\n`;
}
