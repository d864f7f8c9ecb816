import type { Recorder } from '../record/recorder.js';
import { SERIES_LAYOUT } from '../record/series.js';
import type { ResponseSeries } from '../record/series.js';
import type { MetricNames } from '../record/names.js';
import { HELP } from '../record/names.js';
import { categoryOfCode, pickText } from '../classify/classify.js';
import { escapeHelp, escapeLabelValue, formatNumber } from '../record/labels.js';
import { clientOverflowLines, renderClient } from './render-client.js';
import { ExpositionWriter } from './writer.js';
import { performance } from 'node:perf_hooks';
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
  /** Size of the last rendered body: the next render starts with a buffer this large. */
  lastSize = 64 * 1024;
  /** The buffer of the last body handed out, until it is given back. */
  private lent: Buffer | undefined = undefined;
  /** A body buffer given back: the next render writes into it instead of allocating tens of MB per scrape. */
  private spare: Buffer | undefined = undefined;

  /** @internal renderChunked: the buffer to write into, if one was given back. */
  takeSpare(): Buffer | undefined {
    const spare = this.spare;
    this.spare = undefined;
    return spare;
  }

  /**
   * The writer of the last render, kept alive only for its hidden class: V8 holds the map of
   * an object's fields through weak transitions, so when no writer was left between two
   * scrapes a full collection freed it and threw away the optimised code of the writer's
   * methods and of the functions that inline them (`--trace-deopt`: "weak objects"), and
   * every scrape compiled them again.
   */
  private lastWriter: ExpositionWriter | undefined = undefined;

  /** @internal renderChunked: the writer of the body it returns. */
  lend(writer: ExpositionWriter): void {
    this.lent = writer.backing;
    this.lastWriter = writer;
  }

  /**
   * Gives back the memory of a body `renderChunked` returned, once nothing reads it (the
   * endpoint: after the response was sent). Anything else is ignored.
   */
  giveBack(body: Buffer): void {
    const lent = this.lent;
    if (lent === undefined || body.buffer !== lent.buffer) return;
    this.lent = undefined;
    this.spare = lent;
  }
  /** The constant parts of sample lines, encoded once. */
  readonly bytes: {
    readonly counterHead: Uint8Array;
    readonly documentedTrue: Uint8Array;
    readonly documentedFalse: Uint8Array;
    readonly bucketHead: Uint8Array;
    readonly le: readonly Uint8Array[];
    readonly sumHead: Uint8Array;
    readonly countHead: Uint8Array;
    readonly abortedHead: Uint8Array;
    readonly spaceBrace: Uint8Array;
  };
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
    this.bytes = {
      counterHead: Buffer.from(`${names.responses}{`),
      documentedTrue: Buffer.from(',documented="true"} '),
      documentedFalse: Buffer.from(',documented="false"} '),
      bucketHead: Buffer.from(`${names.duration}_bucket{`),
      le: this.leLabels.map((l) => Buffer.from(l)),
      sumHead: Buffer.from(`${names.duration}_sum{`),
      countHead: Buffer.from(`${names.duration}_count{`),
      abortedHead: Buffer.from(`${names.aborted}{`),
      spaceBrace: Buffer.from('} '),
    };
  }
}

function header(w: ExpositionWriter, family: string, type: string, help: string): void {
  w.str(`# HELP ${family} ${escapeHelp(help)}\n# TYPE ${family} ${type}\n`);
}

function exemplarSuffix(ex: { traceId: string; spanId: string; value: number; timestamp: number }): string {
  return ` # {trace_id="${ex.traceId}",span_id="${ex.spanId}"} ${formatNumber(ex.value)} ${ex.timestamp.toFixed(3)}`;
}

/**
 * Histogram series written between checks of the time slice (17 lines each; a counter or
 * aborted-requests batch is 8 times as many series of one line). Small enough that a batch
 * run by the interpreter, on the first scrape, stays well inside a slice.
 */
const BATCH = 16;
// This module's own copy (see SERIES_LAYOUT).
const { FIRST_BUCKET } = SERIES_LAYOUT;
const NEWLINE = 10;

/**
 * Writes a response series' labels (the histogram's): the method's head, the route's label and
 * the series' suffix. Returns how many bytes that was. `labels` is the route label pool's array
 * as read at the start of the batch (it is replaced when it grows).
 */
function writeLabels(w: ExpositionWriter, s: ResponseSeries, labels: Uint8Array): number {
  const store = s.store;
  const route = s.routeId;
  const head = store.methodHeads[s.methodIndex]!;
  const start = store.routeLabelStarts[route]!;
  const end = store.routeLabelEnds[route]!;
  const suffix = s.suffix;
  w.bytes(head);
  w.range(labels, start, end);
  w.bytes(suffix);
  return head.length + (end - start) + suffix.length;
}

/** Counter samples of response series [from, to). */
function writeCounters(w: ExpositionWriter, c: RenderPlan['bytes'], recorder: Recorder, from: number, to: number, om: boolean): void {
  const series = recorder.responseList;
  const labels = recorder.labels.data;
  for (let i = from; i < to; i++) {
    const s = series[i]!;
    w.bytes(c.counterHead);
    writeLabels(w, s, labels);
    w.bytes(s.documented ? c.documentedTrue : c.documentedFalse);
    w.num(s.count);
    // Read in both formats, so that the first OpenMetrics scrape finds the load already seen
    // by V8 instead of deoptimising this function ("insufficient type feedback").
    const exemplar = s.exemplar;
    if (om && exemplar !== undefined) w.str(exemplarSuffix(exemplar));
    w.byte(NEWLINE);
  }
}

/** Histogram samples (buckets, sum, count) of response series [from, to), each series in one go. */
function writeHistograms(w: ExpositionWriter, c: RenderPlan['bytes'], recorder: Recorder, from: number, to: number, om: boolean): void {
  const series = recorder.responseList;
  const le = c.le;
  // Read per batch: the label pool is replaced when it grows (series made during the render).
  const labels = recorder.labels.data;
  for (let i = from; i < to; i++) {
    const s = series[i]!;
    // The label bytes are written once per series (from its method's, route's and code's
    // parts) and then copied within the body, so the render allocates nothing per series: a view of them per line was 170,000 objects
    // (~15 MB) per scrape of 10,000 label sets, a view per series still ~1 MB, and the
    // scavenges they caused ran helper threads that, on one core, took turns with the loop.
    const exemplars = s.exemplars; // read in both formats, as in writeCounters
    let cumulative = 0;
    const counts = s.data;
    const offset = s.offset;
    w.bytes(c.bucketHead);
    const labelsAt = w.length;
    const labelLength = writeLabels(w, s, labels);
    for (let b = 0; b < le.length; b++) {
      cumulative += counts[offset + FIRST_BUCKET + b]!;
      if (b > 0) {
        w.bytes(c.bucketHead);
        w.again(labelsAt, labelLength);
      }
      w.bytes(le[b]!);
      w.num(cumulative);
      if (om && exemplars !== undefined) {
        const ex = exemplars[b];
        if (ex !== undefined) w.str(exemplarSuffix(ex));
      }
      w.byte(NEWLINE);
    }
    w.bytes(c.sumHead);
    w.again(labelsAt, labelLength);
    w.bytes(c.spaceBrace);
    w.num(s.sum);
    w.byte(NEWLINE);
    w.bytes(c.countHead);
    w.again(labelsAt, labelLength);
    w.bytes(c.spaceBrace);
    w.num(cumulative);
    w.byte(NEWLINE);
  }
}

/** Aborted-requests samples of series [from, to). */
function writeAborts(w: ExpositionWriter, c: RenderPlan['bytes'], recorder: Recorder, from: number, to: number): void {
  const series = recorder.abortList;
  for (let i = from; i < to; i++) {
    const s = series[i]!;
    w.bytes(c.abortedHead);
    w.str(s.labels);
    w.bytes(c.spaceBrace);
    w.num(s.count);
    w.byte(NEWLINE);
  }
}

/**
 * Writes everything a Recorder holds in the text format 0.0.4 or OpenMetrics 1.0, yielding
 * after every batch of series so that the caller can give the event loop a turn. Counter
 * families are named without `_total` in OpenMetrics, their samples keep it. The series are
 * those that existed when the render began (the counter and the histogram show the same label
 * sets); each histogram series is written in one go, so its buckets, sum and count agree.
 *
 * The per-series loops are small functions of their own and this generator only sequences
 * batches: as one large generator, V8 compiled it on-stack mid-loop, deoptimised it at the
 * first code after the loop and compiled it again, ~20-40 ms of TurboFan work each time, which
 * on a single core took turns with the event loop.
 */
function* write(w: ExpositionWriter, recorder: Recorder, plan: RenderPlan, format: ExpositionFormat, client: ClientRenderSource | undefined): Generator<void> {
  const om = format === 'openmetrics';
  const n = plan.names;
  const counterFamily = (name: string): string => (om ? name.replace(/_total$/, '') : name);
  const c = plan.bytes;
  const count = recorder.responseList.length;
  const abortCount = recorder.abortList.length;

  header(w, counterFamily(n.responses), 'counter', HELP.responses);
  for (let i = 0; i < count; i += BATCH * 8) {
    writeCounters(w, c, recorder, i, Math.min(count, i + BATCH * 8), om);
    yield;
  }

  header(w, n.duration, 'histogram', HELP.duration);
  for (let i = 0; i < count; i += BATCH) {
    writeHistograms(w, c, recorder, i, Math.min(count, i + BATCH), om);
    yield;
  }

  header(w, n.inFlight, 'gauge', HELP.inFlight);
  recorder.methodLabels.forEach((m, k) => {
    const v = recorder.inFlight[k]!;
    if (v !== 0 || recorder.methodSeen[k] === 1) w.str(`${n.inFlight}{method="${m}"} ${v}\n`);
  });

  header(w, counterFamily(n.aborted), 'counter', HELP.aborted);
  for (let i = 0; i < abortCount; i += BATCH * 8) {
    writeAborts(w, c, recorder, i, Math.min(abortCount, i + BATCH * 8));
    yield;
  }

  header(w, n.codeInfo, 'gauge', HELP.codeInfo);
  w.str(plan.infoLines);

  // Outbound calls (only when the instance watches upstreams).
  if (client !== undefined) {
    const out: string[] = [];
    renderClient(out, client, plan.leLabels, om);
    for (const part of out) w.str(part);
    yield;
  }

  header(w, counterFamily(n.overflow), 'counter', HELP.overflow);
  w.str(
    `${n.overflow}{metric="${n.responses}"} ${recorder.overflowed.responses}\n` +
      `${n.overflow}{metric="${n.aborted}"} ${recorder.overflowed.aborted}\n`,
  );
  if (client !== undefined) w.str(clientOverflowLines(n.overflow, client));

  header(w, counterFamily(n.internalErrors), 'counter', HELP.internalErrors);
  for (const [kind, count] of recorder.internalErrors) w.str(`${n.internalErrors}{kind="${escapeLabelValue(kind)}"} ${count}\n`);

  if (om) w.str('# EOF\n');
}

/**
 * Renders synchronously (tests, small registries). The endpoint uses `renderChunked`.
 */
export function render(recorder: Recorder, plan: RenderPlan, format: ExpositionFormat, client?: ClientRenderSource): string {
  const w = new ExpositionWriter();
  const steps = write(w, recorder, plan, format, client);
  while (!steps.next().done);
  return w.take().toString('utf8');
}

/** Digits written for a count or a sum, at most (a float's shortest form: 24 characters). */
const NUMBER_BYTES = 24;

/**
 * About how many bytes the response series take in the text format (OpenMetrics adds a little):
 * the first render's buffer is made this large instead of doubling as it fills. Doubling copies
 * everything written so far within one slice, into memory touched for the first time: measured
 * on 10,000 label sets (26 MB), one 83 ms block of the event loop on the first scrape. Computed
 * from running totals the recorder keeps, not from a pass over the series.
 */
export function estimateBytes(recorder: Recorder, plan: RenderPlan): number {
  const c = plan.bytes;
  let bucketLines = 0;
  for (const le of c.le) bucketLines += c.bucketHead.length + le.length + NUMBER_BYTES + 1;
  const fixed = c.counterHead.length + c.documentedFalse.length + bucketLines + c.sumHead.length + c.countHead.length + 2 * c.spaceBrace.length + 3 * (NUMBER_BYTES + 1);
  const perLabel = 3 + c.le.length;
  const responses = recorder.responseList.length * fixed + perLabel * recorder.responseLabelBytes;
  const aborts = recorder.abortList.length * (c.abortedHead.length + c.spaceBrace.length + NUMBER_BYTES + 1) + 3 * recorder.abortLabelLength;
  return 64 * 1024 + plan.infoLines.length + responses + aborts;
}

/** How long a render may hold the event loop before it yields (ms). */
export const RENDER_SLICE_MS = 1;

/** The Immediate of the last turn a render gave the event loop (see `nextTurn`). */
const turns: { last: NodeJS.Immediate | undefined } = { last: undefined };

/**
 * Gives the event loop a turn. The Immediate is kept until the next turn: V8 holds the hidden
 * class of an Immediate's fields through weak transitions, so when none was left alive
 * between two scrapes a full collection freed it, and with it the optimised code of
 * `renderChunked`, which had inlined `setImmediate` (`--trace-deopt`: "weak objects").
 */
function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => {
    turns.last = setImmediate(resolve);
  });
}

/**
 * Renders into bytes, giving the event loop a turn every millisecond or so, so a scrape of
 * tens of thousands of series never blocks the service's requests for long.
 */
export async function renderChunked(recorder: Recorder, plan: RenderPlan, format: ExpositionFormat, client?: ClientRenderSource): Promise<Buffer> {
  // The first slice counts from here: it includes the writer's set-up.
  let slice = performance.now();
  const w = new ExpositionWriter(Math.max(plan.lastSize, estimateBytes(recorder, plan)), plan.takeSpare());
  const steps = write(w, recorder, plan, format, client);
  while (!steps.next().done) {
    if (performance.now() - slice > RENDER_SLICE_MS) {
      await nextTurn();
      slice = performance.now();
    }
  }
  const body = w.take();
  plan.lastSize = Math.max(64 * 1024, body.length + (body.length >> 3));
  plan.lend(w);
  return body;
}
