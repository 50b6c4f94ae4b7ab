import { describe, expect, it } from 'vitest';
import { fetchableScriptLines, postImagingScriptOf, type ImagingSession } from './imaging-sessions';

const base: ImagingSession = {
  token: 't',
  mac: '52:54:00:00:00:42',
  modes: ['register', 'deploy'],
  machineId: 'mc_01J9ZQ4T6W2R8X5Y7V3N1K0M9P',
  hostname: 'lab-042',
  deploymentId: null,
  backupRequestId: null,
  masterIds: ['ms_a', 'ms_b'],
  postImagingScript: [],
  postImagingScripts: { ms_a: ['MountSystem', 'CopySysprep corp'], ms_b: ['MountSystem', 'CopyAgent'] },
  multicast: null,
  expiresAt: Number.MAX_SAFE_INTEGER,
};
const armed: ImagingSession = {
  ...base,
  modes: ['deploy'],
  deploymentId: 'dp_01J9ZQ4T6W2R8X5Y7V3N1K0M9P',
  masterIds: ['ms_a'],
  postImagingScript: ['CopySysprep deployment'],
  postImagingScripts: {},
};

describe('the post-imaging lines of a boot', () => {
  it('from the menu: those of the master chosen, none without one, undefined for a master not offered', () => {
    expect(postImagingScriptOf(base, 'ms_b')).toEqual(['MountSystem', 'CopyAgent']);
    expect(postImagingScriptOf(base, undefined)).toEqual([]);
    expect(postImagingScriptOf(base, 'ms_other')).toBeUndefined();
    expect(postImagingScriptOf(base, 'constructor')).toBeUndefined();
  });

  it("armed by a deployment: the deployment's, whatever master is named", () => {
    expect(postImagingScriptOf(armed, undefined)).toEqual(['CopySysprep deployment']);
    expect(postImagingScriptOf(armed, 'ms_b')).toEqual(['CopySysprep deployment']);
  });

  it('files: the named master’s lines, or without one every offered master’s (the deployment’s when armed)', () => {
    expect(fetchableScriptLines(base, 'ms_a')).toEqual(['MountSystem', 'CopySysprep corp']);
    expect(fetchableScriptLines(base, undefined)).toEqual(['MountSystem', 'CopySysprep corp', 'MountSystem', 'CopyAgent']);
    expect(fetchableScriptLines(base, 'ms_other')).toBeUndefined();
    expect(fetchableScriptLines(armed, undefined)).toEqual(['CopySysprep deployment']);
    expect(fetchableScriptLines(armed, 'ms_b')).toEqual(['CopySysprep deployment']);
  });
});
