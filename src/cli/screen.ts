/** A stream the screen draws on (process.stdout or a test double). */
export interface ScreenStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly rows?: number;
  write(text: string): boolean;
}

/**
 * Draws successive frames: on a TTY each frame replaces the previous one in place (cursor home,
 * every line cleared to its end, the rest of the screen cleared; the cursor hidden meanwhile);
 * elsewhere each frame is printed after the previous one, separated by a blank line, so logs
 * and pipes get plain text.
 *
 * @example
 * ```ts
 * const screen = new Screen(process.stdout);
 * screen.draw(['faultline top', 'server 12.0/s']);
 * screen.close();
 * ```
 */
export class Screen {
  private frames = 0;
  private closed = false;
  private previousLines = 0;

  /**
   * @param below on a TTY, redraw only the region below what was printed before (so that text
   * printed earlier stays on the screen) instead of the whole screen
   */
  constructor(
    private readonly stream: ScreenStream,
    private readonly below = false,
  ) {}

  /** True when frames are redrawn in place. */
  get live(): boolean {
    return this.stream.isTTY === true;
  }

  /** Columns of the terminal, undefined when not a TTY. */
  get width(): number | undefined {
    // a pseudo-terminal without a size reports 0 columns
    return this.live ? this.stream.columns || 80 : undefined;
  }

  /** Shows a frame. */
  draw(lines: readonly string[]): void {
    if (this.closed) return;
    if (!this.live) {
      this.stream.write(`${this.frames > 0 ? '\n' : ''}${lines.join('\n')}\n`);
    } else {
      lines = this.fit(lines);
      let start: string;
      if (this.below) start = this.frames === 0 ? '\x1b[?25l' : `\x1b[${this.previousLines}F`;
      else start = this.frames === 0 ? '\x1b[?25l\x1b[2J\x1b[H' : '\x1b[H';
      this.stream.write(`${start}${lines.map((l) => `${l}\x1b[K`).join('\n')}\n\x1b[J`);
      this.previousLines = lines.length;
    }
    this.frames++;
  }

  /** A frame taller than the terminal would scroll and break the redraw: cut it, and say so. */
  private fit(lines: readonly string[]): readonly string[] {
    const rows = this.stream.rows;
    if (rows === undefined || rows < 3 || lines.length < rows) return lines;
    const keep = rows - 2;
    return [...lines.slice(0, keep), `… ${lines.length - keep} more lines: enlarge the terminal`];
  }

  /** Restores the cursor; later frames are ignored. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.live && this.frames > 0) this.stream.write('\x1b[?25h');
  }
}
