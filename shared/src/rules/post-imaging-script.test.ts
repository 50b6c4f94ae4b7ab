import { describe, expect, it } from 'vitest';
import { parsePostImagingScript } from './post-imaging-script';

describe('parsePostImagingScript', () => {
  it('parses every library command, custom shell lines and comments', () => {
    const { steps, problems } = parsePostImagingScript([
      'MountSystem',
      '  CopySysprep Win11-Domain.xml  ',
      '# a comment',
      '',
      'CopyRunAtOnce',
      'CopyAgent',
      'CopyAgent agent-x64',
      'CopyDrivers',
      'UseOEMBiosLicence',
      'echo done > /mnt/system/marrow.txt',
    ]);
    expect(problems).toEqual([]);
    expect(steps).toEqual([
      { kind: 'command', command: 'MountSystem', argument: null, line: 1 },
      { kind: 'command', command: 'CopySysprep', argument: 'Win11-Domain.xml', line: 2 },
      { kind: 'command', command: 'CopyRunAtOnce', argument: null, line: 5 },
      { kind: 'command', command: 'CopyAgent', argument: null, line: 6 },
      { kind: 'command', command: 'CopyAgent', argument: 'agent-x64', line: 7 },
      { kind: 'command', command: 'CopyDrivers', argument: null, line: 8 },
      { kind: 'command', command: 'UseOEMBiosLicence', argument: null, line: 9 },
      { kind: 'shell', text: 'echo done > /mnt/system/marrow.txt', line: 10 },
    ]);
  });

  it.each([
    [['MountSystem', 'CopySysprp win11'], 'line 2: unknown command "CopySysprp" (did you mean CopySysprep?)'],
    [['CopySysprep'], 'line 1: CopySysprep needs the name of an answer file'],
    [['MountSystem now'], 'line 1: MountSystem takes no argument'],
    [['CopyAgent a b'], 'line 1: CopyAgent takes at most one argument'],
    [['CopySysprep ../etc/passwd'], 'line 1: "../etc/passwd" is not a valid name'],
    [['Reboot'], 'line 1: unknown command "Reboot"'],
    [['echo \u0000'], 'line 1: contains a control character'],
  ])('rejects %j naming the line', (lines, message) => {
    const { problems } = parsePostImagingScript(lines);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toContain(message);
  });

  it('refuses overly long scripts', () => {
    expect(parsePostImagingScript(Array(201).fill('MountSystem')).problems[0]!.message).toContain('at most 200');
  });
});
