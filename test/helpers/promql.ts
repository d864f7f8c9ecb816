import { parser } from '@prometheus-io/lezer-promql';

/** What a static parse of one PromQL expression found. */
export interface PromqlCheck {
  /** Text around each syntax error (empty when the expression parses). */
  readonly errors: string[];
  /** Metric names of every vector selector, in order of appearance. */
  readonly metrics: string[];
}

/** Parses `expr` with Prometheus' own Lezer grammar (the one its web UI uses). */
export function checkPromql(expr: string): PromqlCheck {
  const errors: string[] = [];
  const metrics: string[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) errors.push(`at ${node.from}: ${JSON.stringify(expr.slice(Math.max(0, node.from - 20), node.to + 20))}`);
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') metrics.push(expr.slice(node.from, node.to));
    },
  });
  return { errors, metrics };
}
