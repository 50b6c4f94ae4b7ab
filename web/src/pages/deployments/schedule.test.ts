import { describe, expect, it } from 'vitest';
import { scheduledAtFrom, scheduleProblem } from './schedule';

describe('schedule', () => {
  it('sends the local date and time as a UTC timestamp', () => {
    const at = scheduledAtFrom('2030-05-01', '22:30');
    expect(at).toMatch(/^2030-05-0[12]T\d{2}:30:00\.000Z$/);
    expect(new Date(at!).getHours()).toBe(22);
  });
  it('refuses incomplete, invalid and past times', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    expect(scheduleProblem('', '10:00', now)).toMatch(/Choose a date/);
    expect(scheduleProblem('2030-13-01', '10:00', now)).toMatch(/valid date/);
    expect(scheduleProblem('2029-12-01', '10:00', now)).toMatch(/future/);
    expect(scheduleProblem('2031-01-01', '10:00', now)).toBeNull();
  });
});
