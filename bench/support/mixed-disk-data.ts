import { randomBytes } from 'node:crypto';

/**
 * Data shaped like a used Windows partition as partclone streams it: incompressible runs
 * (compressed files, installers), text-like runs (logs, XML, scripts), and zero runs
 * (sparse and freshly allocated areas). Deterministic sizes, random content.
 */
export function mixedDiskData(totalBytes: number): Buffer {
  const words = 'Windows System32 Panther unattend ComputerName registry driver service update component manifest '.split(' ');
  const parts: Buffer[] = [];
  let made = 0;
  let turn = 0;
  while (made < totalBytes) {
    const size = Math.min(totalBytes - made, [3, 2, 1][turn % 3]! * 1024 * 1024 + (turn % 7) * 65_536);
    let part: Buffer;
    if (turn % 3 === 0) part = randomBytes(size);
    else if (turn % 3 === 1) {
      const text: string[] = [];
      let length = 0;
      while (length < size) {
        const word = words[(length * 7 + turn) % words.length]! + ' ';
        text.push(word);
        length += word.length;
      }
      part = Buffer.from(text.join('')).subarray(0, size);
    } else part = Buffer.alloc(size);
    parts.push(part);
    made += size;
    turn++;
  }
  return Buffer.concat(parts, totalBytes);
}
