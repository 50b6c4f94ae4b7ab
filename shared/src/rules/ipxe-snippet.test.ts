import { describe, expect, it } from 'vitest';
import { validateIpxeSnippet } from './ipxe-snippet';

describe('validateIpxeSnippet', () => {
  it('accepts ordinary iPXE scripting', () => {
    expect(
      validateIpxeSnippet(['#!ipxe', ':retry', 'dhcp || goto retry', 'kernel http://${next-server}/vmlinuz quiet', 'initrd initrd.gz', 'boot || shell', '# comment'].join('\n')),
    ).toEqual([]);
  });

  it.each([
    ['', 'the snippet is empty'],
    ['chian http://x', 'unknown iPXE command "chian"'],
    ['echo a\n#!ipxe', '#!ipxe may only open the snippet'],
    ['dhcp && ', 'empty command around && or ||'],
    [':bad label', 'invalid label'],
    ['echo \u0007', 'contains a control character'],
    ['x'.repeat(9000), 'larger than 8192 bytes'],
  ])('refuses %j', (snippet, message) => {
    const problems = validateIpxeSnippet(snippet);
    expect(problems.map((p) => p.message).join('|')).toContain(message);
  });

  it('names the line of each problem', () => {
    expect(validateIpxeSnippet('echo ok\nbogus\necho ok\nnope')).toEqual([
      { line: 2, message: 'unknown iPXE command "bogus"' },
      { line: 4, message: 'unknown iPXE command "nope"' },
    ]);
  });
});
