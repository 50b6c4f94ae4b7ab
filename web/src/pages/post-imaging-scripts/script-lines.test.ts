import { describe, expect, it } from 'vitest';
import { blocksFromLines, linesFromBlocks, problemsByBlock } from './script-lines';

describe('script lines', () => {
  it('round-trips commands, arguments and custom lines', () => {
    const lines = ['MountSystem', 'CopySysprep win11-domain', 'CopyAgent', '# copy the wallpaper', 'cp /mnt/a /mnt/b'];
    const blocks = blocksFromLines(lines);
    expect(blocks.map((b) => b.kind)).toEqual(['command', 'command', 'command', 'custom', 'custom']);
    expect(linesFromBlocks(blocks)).toEqual(lines);
  });
  it('puts each problem on its block', () => {
    const blocks = blocksFromLines(['MountSystem', 'CopySysprep', 'CopySysprp w']);
    expect([...problemsByBlock(blocks)]).toEqual([
      [1, 'CopySysprep needs the name of an answer file'],
      [2, 'unknown command "CopySysprp" (did you mean CopySysprep?)'],
    ]);
  });
});
