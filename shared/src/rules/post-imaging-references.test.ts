import { describe, expect, it } from 'vitest';
import { postImagingReferences } from './post-imaging-references';

describe('postImagingReferences', () => {
  it('lists the answer files, agents and driver set a script fetches', () => {
    expect(
      postImagingReferences(['MountSystem', 'CopySysprep corp', '# CopySysprep commented', 'CopyAgent', 'CopyAgent Tools-2.msi', 'CopyDrivers', 'echo CopySysprep shell']),
    ).toEqual({ answerFiles: ['corp'], agents: ['default', 'Tools-2.msi'], drivers: true });
    expect(postImagingReferences(['MountSystem', 'CopySysprp typo', 'CopySysprep ../x'])).toEqual({ answerFiles: [], agents: [], drivers: false });
  });

  it('reads the scripts of a deployment one after the other, however long together', () => {
    const long = [...Array.from({ length: 300 }, () => 'MountSystem'), 'CopySysprep late'];
    expect(postImagingReferences(long).answerFiles).toEqual(['late']);
  });
});
