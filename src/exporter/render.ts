import type { Recorder } from '../record/recorder.js';
import type { MetricNames } from '../record/names.js';
import { HELP } from '../record/names.js';
import { categoryOfCode, pickText } from '../classify/classify.js';
import { escapeHelp, escapeLabelValue, formatNumber } from '../record/labels.js';
import { clientOverflowLines, renderClient } from './render-client.js';
import type { ClientRenderSource } from './render-client.js';

/** The two exposition formats. */
export type ExpositionFormat = 'text' | 'openmetrics';

/** Content types of the formats. */
export const CONTENT_TYPES = {
  text: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
} as const;

/** Strings that depend only on the instance (names, HELP, bucket bounds, the info metric). */
export class RenderPlan {
  readonly leLabels: readonly string[];
  readonly infoLines: string;
  constructor(
    readonly names: MetricNames,
    recorder: Recorder,
  ) {
    this.leLabels = [...Array.from(recorder.buckets, (b) => `,le="${formatNumber(b)}"} `), ',le="+Inf"} '];
    let info = '';
    const codes = [...recorder.catalog.codes.values()].sort((a, b) => a.code - b.code);
    for (const entry of codes) {
      const category = entry.category ?? categoryOfCode(entry.code);
      const description = escapeLabelValue(pickText(entry.description, recorder.lang));
      info += `${names.codeInfo}{code="${entry.code}",category="${category}",description="${description}"} 1\n`;
    }
    this.infoLines = info;
  }
}

function header(out: string[], family: string, type: string, help: string): void {
  out.push(`# HELP ${family} ${escapeHelp(help)}\n# TYPE ${family} ${type}\n`);
}

function exemplarSuffix(ex: { traceId: string; spanId: string; value: number; timestamp: number } | undefined): string {
  if (ex === undefined) return '\n';
  return ` # {trace_id="${ex.traceId}",span_id="${ex.spanId}"} ${formatNumber(ex.value)} ${ex.timestamp.toFixed(3)}\n`;
}

/**
 * Renders everything a Recorder holds in the text format 0.0.4 or OpenMetrics 1.0.
 * Counter families are named without `_total` in OpenMetrics, their samples keep it.
 */
export function render(recorder: Recorder, plan: RenderPlan, format: ExpositionFormat, client?: ClientRenderSource): string {
  const om = format === 'openmetrics';
  const n = plan.names;
  const out: string[] = [];
  const counterFamily = (name: string): string => (om ? name.replace(/_total$/, '') : name);

  header(out, counterFamily(n.responses), 'counter', HELP.responses);
  let chunk = '';
  for (const s of recorder.responses.values()) {
    chunk += `${n.responses}{${s.counterLabels}} ${s.count}${om ? exemplarSuffix(s.exemplar) : '\n'}`;
    if (chunk.length > 65536) { out.push(chunk); chunk = ''; }
  }
  out.push(chunk);

  header(out, n.duration, 'histogram', HELP.duration);
  const bucketName = `${n.duration}_bucket{`;
  const le = plan.leLabels;
  chunk = '';
  for (const s of recorder.responses.values()) {
    let cumulative = 0;
    const prefix = bucketName + s.histogramLabels;
    // Bucket exemplars (OpenMetrics only): the latest traced response in that bucket.
    const exemplars = om ? s.bucketExemplars : undefined;
    for (let i = 0; i < le.length; i++) {
      cumulative += s.buckets[i]!;
      chunk += `${prefix}${le[i]!}${cumulative}${exemplars === undefined ? '\n' : exemplarSuffix(exemplars[i])}`;
    }
    chunk += `${n.duration}_sum{${s.histogramLabels}} ${formatNumber(s.sum)}\n${n.duration}_count{${s.histogramLabels}} ${s.count}\n`;
    if (chunk.length > 65536) { out.push(chunk); chunk = ''; }
  }
  out.push(chunk);

  header(out, n.inFlight, 'gauge', HELP.inFlight);
  chunk = '';
  recorder.methodLabels.forEach((m, i) => {
    const v = recorder.inFlight[i]!;
    if (v !== 0 || recorder.methodSeen[i] === 1) chunk += `${n.inFlight}{method="${m}"} ${v}\n`;
  });
  out.push(chunk);

  header(out, counterFamily(n.aborted), 'counter', HELP.aborted);
  chunk = '';
  for (const s of recorder.aborts.values()) chunk += `${n.aborted}{${s.labels}} ${s.count}\n`;
  out.push(chunk);

  header(out, n.codeInfo, 'gauge', HELP.codeInfo);
  out.push(plan.infoLines);

  // Outbound calls (only when the instance watches upstreams).
  if (client !== undefined) renderClient(out, client, plan.leLabels, om);

  header(out, counterFamily(n.overflow), 'counter', HELP.overflow);
  out.push(
    `${n.overflow}{metric="${n.responses}"} ${recorder.overflowed.responses}\n` +
      `${n.overflow}{metric="${n.aborted}"} ${recorder.overflowed.aborted}\n`,
  );
  if (client !== undefined) out.push(clientOverflowLines(n.overflow, client));

  header(out, counterFamily(n.internalErrors), 'counter', HELP.internalErrors);
  chunk = '';
  for (const [kind, count] of recorder.internalErrors) chunk += `${n.internalErrors}{kind="${escapeLabelValue(kind)}"} ${count}\n`;
  out.push(chunk);

  if (om) out.push('# EOF\n');
  return out.join('');
}
