import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import type { Faultline } from '../faultline.js';
import { Recorder } from '../record/recorder.js';
import { RenderPlan, render } from './render.js';
import type { ExpositionFormat } from './render.js';
import { emptySnapshot, fillRecorder, mergeSnapshots, parseSnapshot, takeSnapshot } from './cluster-merge.js';
import type { Snapshot, SnapshotPart } from './cluster-merge.js';
import { unwrap, wrap } from './cluster-protocol.js';
import type { Message } from './cluster-protocol.js';
import { ClusterWorker } from './cluster-worker.js';
import { fillClientRecorder } from './cluster-client.js';
import { ClientRecorder } from '../record/client-recorder.js';
import { clientMetricNames } from '../record/client-names.js';
import type { ClientRenderSource } from './render-client.js';

// Node cluster support, the primary's side: one endpoint with the totals of every worker. The
// protocol is in cluster-protocol.ts, the worker's side in cluster-worker.ts.

/** What `attachCluster()` returns. */
export interface ClusterAttachment {
  /** `primary` (serves the totals) or `worker` (answers the primary). */
  readonly role: 'primary' | 'worker';
  /** Stops taking part (removes the listeners). */
  close(): void;
}

/** Options of `attachCluster()`. */
export interface ClusterOptions {
  /** How long a scrape waits for the workers, in ms. Default: the instance's `clusterTimeoutMs` (1000). */
  readonly timeoutMs?: number;
}

interface WorkerView {
  hooked: boolean;
  compatible: boolean;
  seq: number;
  last: Snapshot | undefined;
}

interface Pending {
  readonly waiting: Set<number>;
  readonly answered: Set<number>;
  done(): void;
}

class ClusterPrimary {
  private readonly workers = new Map<number, WorkerView>();
  private retired: Snapshot = emptySnapshot();
  private retiredCount = 0;
  private active = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private plan: RenderPlan | undefined;
  private readonly bounds: string;

  constructor(
    private readonly fl: Faultline,
    private readonly timeoutMs: number,
    /** Called at the first fork: from then on the instance serves the cluster's totals. */
    private readonly activate: () => void,
  ) {
    this.bounds = JSON.stringify(Array.from(fl.recorder.buckets));
    cluster.on('fork', this.onFork);
    cluster.on('message', this.onMessage);
    cluster.on('exit', this.onExit);
    cluster.on('disconnect', this.onDisconnect);
    // Workers forked before we attached said hello to nobody: ask them again.
    for (const worker of Object.values(cluster.workers ?? {})) {
      if (worker === undefined) continue;
      this.onFork(worker);
      this.send(worker, { t: 'ping' });
    }
  }

  close(): void {
    cluster.off('fork', this.onFork);
    cluster.off('message', this.onMessage);
    cluster.off('exit', this.onExit);
    cluster.off('disconnect', this.onDisconnect);
    for (const p of this.pending.values()) p.done();
  }

  private send(worker: Worker, message: Message, onError?: () => void): void {
    try {
      if (!worker.isConnected()) {
        onError?.();
        return;
      }
      worker.send(wrap(message), (err: Error | null) => {
        if (err) onError?.();
      });
    } catch {
      onError?.();
    }
  }

  private readonly onFork = (worker: Worker): void => {
    if (!this.active) {
      this.active = true;
      this.activate();
    }
    if (!this.workers.has(worker.id)) this.workers.set(worker.id, { hooked: false, compatible: false, seq: 0, last: undefined });
  };

  private readonly onMessage = (worker: Worker, raw: unknown): void => {
    const message = unwrap(raw);
    if (message === undefined) return;
    try {
      const view = this.workers.get(worker.id);
      if (view === undefined) return; // exited already, or not ours
      if (message.t === 'hello') {
        view.hooked = true;
        view.compatible = JSON.stringify(message.buckets) === this.bounds;
        if (!view.compatible) {
          this.fl.fault('cluster_buckets', new Error(`cluster worker ${worker.id} uses histogram buckets ${JSON.stringify(message.buckets)}, the primary ${this.bounds}; its counts are not served`));
        }
        this.send(worker, { t: 'welcome' });
      } else if (message.t === 'snap') {
        if (!view.compatible || !(message.seq > view.seq)) return;
        const checked = parseSnapshot(message.s, this.fl.recorder.buckets.length + 1);
        if (typeof checked === 'string') {
          this.fl.fault('cluster_snapshot', new Error(`cluster worker ${worker.id} sent a bad snapshot: ${checked}`));
        } else {
          view.seq = message.seq;
          view.last = checked;
        }
        const p = this.pending.get(message.id);
        if (p?.waiting.delete(worker.id) === true) {
          if (typeof checked !== 'string') p.answered.add(worker.id);
          if (p.waiting.size === 0) p.done();
        }
      }
    } catch (err) {
      this.fl.fault('cluster_message', err);
    }
  };

  private readonly onExit = (worker: Worker): void => {
    for (const p of this.pending.values()) if (p.waiting.delete(worker.id) && p.waiting.size === 0) p.done();
    // A final snapshot sent from the worker's 'exit' handler is delivered before the channel's
    // 'disconnect': retire the worker once both happened, whichever comes last.
    if (!worker.isConnected()) this.retire(worker);
  };

  private readonly onDisconnect = (worker: Worker): void => {
    if (worker.isDead()) this.retire(worker);
  };

  private retire(worker: Worker): void {
    const view = this.workers.get(worker.id);
    this.workers.delete(worker.id);
    if (view?.hooked !== true) return;
    this.retiredCount++;
    if (view.last !== undefined) {
      this.retired = mergeSnapshots([{ snapshot: this.retired, inFlight: false }, { snapshot: view.last, inFlight: false }]);
    }
  }

  /** Asks every hooked worker for a snapshot and waits for the answers, at most timeoutMs. */
  private ask(): Promise<{ asked: Set<number>; answered: Set<number> }> {
    const id = this.nextId++;
    const waiting = new Set<number>();
    for (const worker of Object.values(cluster.workers ?? {})) {
      const view = worker === undefined ? undefined : this.workers.get(worker.id);
      if (worker !== undefined && view?.hooked === true && view.compatible) waiting.add(worker.id);
    }
    const asked = new Set(waiting);
    const answered = new Set<number>();
    if (waiting.size === 0) return Promise.resolve({ asked, answered });
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve({ asked, answered });
      };
      const timer = setTimeout(done, this.timeoutMs);
      const p: Pending = { waiting, answered, done };
      this.pending.set(id, p);
      for (const workerId of asked) {
        const gone = (): void => {
          if (waiting.delete(workerId) && waiting.size === 0) done();
        };
        const worker = cluster.workers?.[workerId];
        if (worker === undefined) gone();
        else this.send(worker, { t: 'get', id }, gone);
      }
    });
  }

  /** The merged exposition of the primary, the retired workers and every live worker. */
  async render(format: ExpositionFormat): Promise<string> {
    const fl = this.fl;
    this.plan ??= new RenderPlan(fl.names, fl.recorder);
    if (!this.active) return render(fl.recorder, this.plan, format, fl.outboundView);
    const { asked, answered } = await this.ask();
    const outbound = fl.outboundView;
    const parts: SnapshotPart[] = [{ snapshot: takeSnapshot(fl.recorder, outbound?.recorder), inFlight: true }, { snapshot: this.retired, inFlight: false }];
    let unhooked = 0;
    for (const worker of Object.values(cluster.workers ?? {})) {
      if (worker === undefined) continue;
      const view = this.workers.get(worker.id);
      if (view === undefined || !view.hooked || !view.compatible) unhooked++;
      else if (view.last !== undefined) parts.push({ snapshot: view.last, inFlight: true });
    }
    const view = new Recorder({ catalog: fl.catalog, lang: fl.options.lang, seriesLimit: Number.MAX_SAFE_INTEGER, buckets: fl.options.buckets, methods: fl.options.methods });
    const merged = mergeSnapshots(parts);
    fillRecorder(view, merged);
    // Outbound calls (http_client_*): the workers' and the primary's, merged the same way.
    let client: ClientRenderSource | undefined;
    if (merged.c !== undefined || outbound !== undefined) {
      const clientView = new ClientRecorder(view);
      if (merged.c !== undefined) fillClientRecorder(clientView, merged.c);
      client = { recorder: clientView, names: outbound?.names ?? clientMetricNames(fl.options.prefix) };
    }
    const body = render(view, this.plan, format, client);
    const timedOut = [...asked].filter((w) => !answered.has(w) && this.workers.has(w)).length;
    const lines = clusterLines(fl.options.prefix, format, { answered: answered.size, timedOut, unhooked, retired: this.retiredCount });
    return format === 'openmetrics' ? body.replace(/# EOF\n$/, `${lines}# EOF\n`) : body + lines;
  }
}

/**
 * The self-metrics of the cluster view (rendered only in a primary that has had workers).
 * @example
 * ```ts
 * clusterLines('', 'text', { answered: 3, timedOut: 1, unhooked: 0, retired: 2 });
 * ```
 */
export function clusterLines(prefix: string, format: ExpositionFormat, n: { answered: number; timedOut: number; unhooked: number; retired: number }): string {
  const workers = `${prefix}faultline_cluster_workers`;
  const retired = `${prefix}faultline_cluster_workers_retired_total`;
  const retiredFamily = format === 'openmetrics' ? retired.replace(/_total$/, '') : retired;
  return (
    `# HELP ${workers} Live cluster workers at this scrape: answered = sent a snapshot in time; timed_out = did not (its last snapshot is served); unhooked = runs without faultline, or has not started it yet (not counted).\n` +
    `# TYPE ${workers} gauge\n` +
    `${workers}{state="answered"} ${n.answered}\n${workers}{state="timed_out"} ${n.timedOut}\n${workers}{state="unhooked"} ${n.unhooked}\n` +
    `# HELP ${retiredFamily} Cluster workers that exited; their last snapshot stays in the totals.\n` +
    `# TYPE ${retiredFamily} counter\n${retired} ${n.retired}\n`
  );
}

const attached = new WeakMap<Faultline, ClusterAttachment>();

/**
 * Makes an instance take part in a Node cluster (`faultline/register` does this for you). In a
 * worker it answers the primary's snapshot requests; in the primary (or a process without
 * workers) its endpoint and `metrics()` serve the totals of itself, every live worker and the
 * workers that exited. Call it in both; call `listen()` in the primary only. Idempotent.
 * @example
 * ```ts
 * import cluster from 'node:cluster';
 * import { attachCluster, createFaultline } from 'faultline';
 *
 * const fl = createFaultline({ attachAll: true });
 * attachCluster(fl, { timeoutMs: 1000 });
 * if (cluster.isPrimary) {
 *   await fl.listen(9464);
 *   for (let i = 0; i < 4; i++) cluster.fork();
 * } else {
 *   http.createServer(app).listen(8080);
 * }
 * ```
 */
export function attachCluster(fl: Faultline, options: ClusterOptions = {}): ClusterAttachment {
  const existing = attached.get(fl);
  if (existing !== undefined) return existing;
  let attachment: ClusterAttachment;
  if (cluster.isWorker) {
    const worker = new ClusterWorker(fl);
    attachment = { role: 'worker', close: () => worker.close() };
  } else {
    // A process that never forks keeps its own rendering path untouched.
    const primary: ClusterPrimary = new ClusterPrimary(fl, options.timeoutMs ?? fl.options.clusterTimeoutMs, () => {
      fl.collector = (format) => primary.render(format);
    });
    attachment = {
      role: 'primary',
      close: () => {
        primary.close();
        fl.collector = undefined;
      },
    };
  }
  attached.set(fl, attachment);
  return attachment;
}
