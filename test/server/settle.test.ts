/** Waiting with a limit (server/src/settle.ts): finished, timed out, or failed, and no timer left behind. */
import { describe, expect, it, vi } from 'vitest';
import { finishedWithin } from '../../server/src/settle.ts';

describe('finishedWithin', () => {
  it('says true for work that finishes, false for work that never does, and passes a failure on', async () => {
    await expect(finishedWithin(Promise.resolve('done'), 60_000)).resolves.toBe(true);
    await expect(finishedWithin(new Promise(() => {}), 1)).resolves.toBe(false);
    await expect(finishedWithin(Promise.reject(new Error('broker gone')), 60_000)).rejects.toThrow('broker gone');
  });

  it('leaves no timer behind once the work is done', async () => {
    vi.useFakeTimers();
    try {
      await finishedWithin(Promise.resolve(), 60_000);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
