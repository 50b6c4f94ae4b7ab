import { describe, expect, it } from 'vitest';
import { machineCreateSchema, postImagingScriptCreateSchema } from '@marrow/shared';
import { fieldErrors } from './field-errors';

describe('fieldErrors', () => {
  it('words problems as the API does, per field', () => {
    const errors = fieldErrors(machineCreateSchema, { entityId: 'en_01J9ZQ4T6W2R8X5Y7V3N1K0M9P', mac: '52:54', hostname: 'lab_042' });
    expect(errors).toEqual({
      mac: 'Must be a MAC address like 52:54:00:12:34:56.',
      hostname: 'May hold only letters, digits and inner hyphens.',
    });
  });
  it('puts script problems on their line', () => {
    const errors = fieldErrors(postImagingScriptCreateSchema, { name: 'x', lines: ['MountSystem', 'CopySysprp w'] });
    expect(errors['lines.1']).toBe('Line 2: unknown command "CopySysprp" (did you mean CopySysprep?)');
  });
});
