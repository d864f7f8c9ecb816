/** Where faultline writes its few lines; each distinct problem is written once. */
export type Logger = (message: string) => void;

const defaultLogger: Logger = (message) => {
  process.stderr.write(`faultline: ${message}\n`);
};

/** Logs each key once per logger (faults on the hot path must not flood the service's logs). */
export class OnceLogger {
  private readonly seen = new Set<string>();
  constructor(private readonly logger: Logger = defaultLogger) {}
  once(key: string, message: string): void {
    if (this.seen.has(key)) return;
    this.seen.add(key);
    try {
      this.logger(message);
    } catch {
      // a broken logger must not break the service
    }
  }
  log(message: string): void {
    try {
      this.logger(message);
    } catch {
      // as above
    }
  }
}
