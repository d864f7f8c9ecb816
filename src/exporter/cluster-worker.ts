import type { Faultline } from '../faultline.js';
import { takeSnapshot } from './cluster-merge.js';
import { unwrap, wrap } from './cluster-protocol.js';
import type { Message } from './cluster-protocol.js';

/** How long a worker waits for the primary's welcome before it logs that nobody serves it. */
const WELCOME_WAIT_MS = 10_000;

/**
 * The worker side: says hello, answers the primary's snapshot requests, sends its final counts
 * on exit. `attachCluster()` creates it in a cluster worker.
 * @example
 * ```ts
 * if (cluster.isWorker) new ClusterWorker(fl);
 * ```
 */
export class ClusterWorker {
  private seq = 0;
  private welcomed = false;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly fl: Faultline) {
    process.on('message', this.onMessage);
    process.on('exit', this.onExit);
    this.hello();
    this.timer = setTimeout(() => {
      if (!this.welcomed) {
        fl.fault('cluster_no_primary', new Error(`no answer from the cluster primary within ${WELCOME_WAIT_MS} ms: it does not run faultline, so this worker's counts are not served (start the primary with --import/--require faultline/register too)`));
      }
    }, WELCOME_WAIT_MS);
    this.timer.unref();
  }

  close(): void {
    clearTimeout(this.timer);
    process.off('message', this.onMessage);
    process.off('exit', this.onExit);
  }

  /**
   * A worker that exits by itself (process.exit, an uncaught exception) sends its final counts.
   * Best effort: the IPC write completes within the exit only while the snapshot fits the
   * socket buffer (some hundred KB); a worker that disconnected first, or was SIGKILLed, sends
   * nothing and the primary keeps its last snapshot.
   */
  private readonly onExit = (): void => {
    if (!this.welcomed || process.connected !== true) return;
    try {
      this.send({ t: 'snap', id: 0, seq: ++this.seq, s: takeSnapshot(this.fl.recorder, this.fl.outboundView?.recorder) });
    } catch {
      // exiting: nothing left to report to
    }
  };

  private hello(): void {
    this.send({ t: 'hello', buckets: Array.from(this.fl.recorder.buckets) });
  }

  private send(message: Message): void {
    try {
      process.send?.(wrap(message), undefined, undefined, () => undefined);
    } catch (err) {
      this.fl.fault('cluster_send', err);
    }
  }

  private readonly onMessage = (raw: unknown): void => {
    const message = unwrap(raw);
    if (message === undefined) return;
    try {
      if (message.t === 'get') this.send({ t: 'snap', id: message.id, seq: ++this.seq, s: takeSnapshot(this.fl.recorder, this.fl.outboundView?.recorder) });
      else if (message.t === 'welcome') this.welcomed = true;
      else if (message.t === 'ping') this.hello();
    } catch (err) {
      this.fl.fault('cluster_snapshot', err);
    }
  };
}
