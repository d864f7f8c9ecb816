import { describe, expect, it } from 'vitest';
import { ANSI, PLAIN, paintFor, wantsColour } from '../../../src/cli/colour.js';

describe('wantsColour', () => {
  it('colours a TTY only, and NO_COLOR / FORCE_COLOR decide over it', () => {
    const tty = { isTTY: true };
    const pipe = { isTTY: false };
    expect([wantsColour(tty, {}), wantsColour(pipe, {}), wantsColour({}, {})]).toEqual([true, false, false]);
    expect([wantsColour(tty, { NO_COLOR: '1' }), wantsColour(tty, { NO_COLOR: '' })]).toEqual([false, true]);
    expect([wantsColour(tty, { FORCE_COLOR: '0' }), wantsColour(tty, { FORCE_COLOR: 'false' })]).toEqual([false, false]);
    expect([wantsColour(pipe, { FORCE_COLOR: '1' }), wantsColour(pipe, { FORCE_COLOR: '3' })]).toEqual([true, true]);
    expect(wantsColour(tty, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false);
  });

  it('paints with SGR sequences or not at all', () => {
    expect(paintFor({ isTTY: true }, {})).toBe(ANSI);
    expect(paintFor({ isTTY: false }, {})).toBe(PLAIN);
    expect(ANSI.red('503')).toBe('\x1b[31m503\x1b[39m');
    expect(ANSI.bold('top')).toBe('\x1b[1mtop\x1b[22m');
    expect(PLAIN.inverse(PLAIN.magenta('418'))).toBe('418');
  });
});
