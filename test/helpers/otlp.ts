import http from 'node:http';
import type { Server } from 'node:http';
import { close, listen } from './net.js';

/** One OTLP data point, decoded: attributes as a plain string map. */
export interface OtlpPoint {
  metric: string;
  unit: string;
  kind: 'sum' | 'gauge' | 'histogram';
  monotonic: boolean | undefined;
  scope: string;
  attributes: Record<string, string>;
  /** Sum/gauge value. */
  value?: number;
  /** Histogram fields. */
  count?: number;
  sum?: number;
  bucketCounts?: number[];
  explicitBounds?: number[];
}

/** A local OTLP/HTTP receiver (JSON encoding), like a Collector's `otlp` receiver. */
export interface OtlpReceiver {
  readonly url: string;
  /** Every export request body received so far, decoded. */
  readonly exports: OtlpPoint[][];
  stop(): Promise<void>;
}

interface AnyValue { stringValue?: string; intValue?: number | string; boolValue?: boolean; doubleValue?: number }
interface KeyValue { key: string; value: AnyValue }
interface JsonPoint {
  attributes?: KeyValue[];
  asInt?: number | string;
  asDouble?: number;
  count?: number | string;
  sum?: number;
  bucketCounts?: (number | string)[];
  explicitBounds?: number[];
}
interface JsonMetric {
  name: string;
  unit?: string;
  sum?: { dataPoints: JsonPoint[]; isMonotonic?: boolean };
  gauge?: { dataPoints: JsonPoint[] };
  histogram?: { dataPoints: JsonPoint[] };
}
interface JsonExport {
  resourceMetrics: { scopeMetrics: { scope: { name: string }; metrics: JsonMetric[] }[] }[];
}

function attributesOf(list: KeyValue[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { key, value } of list ?? []) {
    out[key] = String(value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue);
  }
  return out;
}

/** Decodes an OTLP/JSON `ExportMetricsServiceRequest` into flat data points. */
export function decodeOtlpJson(body: string): OtlpPoint[] {
  const json = JSON.parse(body) as JsonExport;
  const points: OtlpPoint[] = [];
  for (const rm of json.resourceMetrics) {
    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) {
        const base = { metric: m.name, unit: m.unit ?? '', scope: sm.scope.name };
        for (const p of m.sum?.dataPoints ?? []) points.push({ ...base, kind: 'sum', monotonic: m.sum?.isMonotonic ?? false, attributes: attributesOf(p.attributes), value: Number(p.asInt ?? p.asDouble) });
        for (const p of m.gauge?.dataPoints ?? []) points.push({ ...base, kind: 'gauge', monotonic: undefined, attributes: attributesOf(p.attributes), value: Number(p.asInt ?? p.asDouble) });
        for (const p of m.histogram?.dataPoints ?? []) {
          points.push({
            ...base, kind: 'histogram', monotonic: undefined, attributes: attributesOf(p.attributes),
            count: Number(p.count), sum: p.sum ?? 0, bucketCounts: (p.bucketCounts ?? []).map(Number), explicitBounds: p.explicitBounds ?? [],
          });
        }
      }
    }
  }
  return points;
}

/** Starts a receiver on 127.0.0.1:0 accepting `POST /v1/metrics` with `application/json`. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const exports: OtlpPoint[][] = [];
  const server: Server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/metrics' || !String(req.headers['content-type']).startsWith('application/json')) {
        res.writeHead(415).end();
        return;
      }
      try {
        exports.push(decodeOtlpJson(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch (err) {
        res.writeHead(400).end(String(err));
      }
    });
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}/v1/metrics`, exports, stop: () => close(server) };
}
