import { describe, expect, it } from 'vitest';
import { Screen } from '../../../src/cli/screen.js';

function stream(isTTY: boolean, columns?: number, rows?: number) {
  const out: string[] = [];
  return { out, isTTY, columns, rows, write: (s: string) => (out.push(s), true) };
}

describe('Screen', () => {
  it('prints frames one after another when not a TTY', () => {
    const s = stream(false);
    const screen = new Screen(s);
    screen.draw(['a', 'b']);
    screen.draw(['c']);
    screen.close();
    screen.draw(['ignored']);
    expect(s.out.join('')).toBe('a\nb\n\nc\n');
    expect([screen.live, screen.width]).toEqual([false, undefined]);
  });

  it('redraws in place on a TTY: cursor hidden, home, lines cleared, rest cleared, cursor shown at the end', () => {
    const s = stream(true, 100);
    const screen = new Screen(s);
    screen.draw(['a', 'b']);
    screen.draw(['c']);
    screen.close();
    expect(s.out).toEqual(['\x1b[?25l\x1b[2J\x1b[Ha\x1b[K\nb\x1b[K\n\x1b[J', '\x1b[Hc\x1b[K\n\x1b[J', '\x1b[?25h']);
    expect(screen.width).toBe(100);
  });

  it('redraws only the region below earlier output', () => {
    const s = stream(true, 0);
    const screen = new Screen(s, true);
    screen.draw(['a', 'b', 'c']);
    screen.draw(['d']);
    expect(s.out).toEqual(['\x1b[?25la\x1b[K\nb\x1b[K\nc\x1b[K\n\x1b[J', '\x1b[3Fd\x1b[K\n\x1b[J']);
    expect(screen.width).toBe(80);
  });

  it('cuts a frame taller than the terminal instead of scrolling', () => {
    const s = stream(true, 80, 4);
    const screen = new Screen(s);
    screen.draw(['1', '2', '3']);
    screen.draw(['1', '2', '3', '4', '5']);
    expect(s.out).toEqual(['\x1b[?25l\x1b[2J\x1b[H1\x1b[K\n2\x1b[K\n3\x1b[K\n\x1b[J', '\x1b[H1\x1b[K\n2\x1b[K\n… 3 more lines: enlarge the terminal\x1b[K\n\x1b[J']);
  });
});
