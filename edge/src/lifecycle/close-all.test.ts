import { describe, expect, it } from 'vitest';
import { closeAll } from './close-all';

describe('closeAll', () => {
  it('stops in reverse order, runs every step despite a failure, reports the first, and stops once', async () => {
    const order: string[] = [];
    const close = closeAll([
      () => void order.push('lock'),
      async () => {
        order.push('broker');
        throw new Error('broker stuck');
      },
      () => void order.push('api'),
    ]);
    await expect(close()).rejects.toThrow('broker stuck');
    await expect(close()).rejects.toThrow('broker stuck');
    expect(order).toEqual(['api', 'broker', 'lock']);
  });
});
