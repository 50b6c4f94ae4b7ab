import { describe, expect, it } from 'vitest';
import { hostnameSchema, idSchema, macSchema } from './common';
import { masterLabel } from '../rules/master-label';
import { entityStatistics } from '../rules/entity-statistics';

describe('MAC addresses', () => {
  it.each(['52:54:00:AB:cd:01', '52-54-00-ab-cd-01', '5254.00ab.cd01', '525400abcd01'])('canonicalises %s', (raw) => {
    expect(macSchema.parse(raw)).toBe('52:54:00:ab:cd:01');
  });
  it.each(['52:54:00:ab:cd', 'zz:54:00:ab:cd:01', 'ff:ff:ff:ff:ff:ff', '00:00:00:00:00:00', ''])('refuses %j', (raw) => {
    expect(macSchema.safeParse(raw).success).toBe(false);
  });
});

describe('hostnames', () => {
  it('accepts Windows computer names', () => {
    expect(hostnameSchema.parse(' lab-042 ')).toBe('lab-042');
  });
  it.each(['lab_042', '-lab', 'lab-', 'a-very-long-hostname', '1234', ''])('refuses %j', (raw) => {
    expect(hostnameSchema.safeParse(raw).success).toBe(false);
  });
});

describe('ids and labels', () => {
  it('checks the prefix and ULID alphabet', () => {
    expect(idSchema('master').safeParse('ms_01J9ZQ4T6W2R8X5Y7V3N1K0M9P').success).toBe(true);
    expect(idSchema('master').safeParse('en_01J9ZQ4T6W2R8X5Y7V3N1K0M9P').success).toBe(false);
    expect(idSchema('master').safeParse('ms_01J9ZQ4T6W2R8X5Y7V3N1K0M9I').success).toBe(false);
  });
  it('labels masters by day and id', () => {
    expect(masterLabel('ms_01J9ZQ4T6W2R8X5Y7V3N1K0M9P', '2026-11-26T18:00:00.000Z')).toBe('M-20261126-1K0M9P');
  });
});

describe('entityStatistics', () => {
  it('counts clients, those with ready backups, backups and deployable masters of the entity only', () => {
    const stats = entityStatistics(
      'e1',
      [
        { id: 'm1', entityId: 'e1' },
        { id: 'm2', entityId: 'e1' },
        { id: 'm3', entityId: 'e2' },
      ],
      [
        { machineId: 'm1', entityId: 'e1', state: 'ready' },
        { machineId: 'm1', entityId: 'e1', state: 'ready' },
        { machineId: 'm2', entityId: 'e1', state: 'capturing' },
        { machineId: 'm3', entityId: 'e2', state: 'ready' },
      ],
      [
        { entityId: 'e1', versions: [1] },
        { entityId: 'e1', versions: [] },
        { entityId: 'e2', versions: [1] },
      ],
    );
    expect(stats).toEqual({ entityId: 'e1', clients: 2, clientsWithBackupImages: 1, backupImages: 2, mastersAvailable: 1 });
  });
});
