/** Waiting for work with a limit: shutdown and disconnects must not hang on a peer that never answers. */

/**
 * True once `work` has finished, false when `ms` passed first (the work goes on; its outcome is no longer awaited).
 * A rejection of `work` rejects. The timer is cleared either way, so it never holds the process open.
 */
export async function finishedWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((done) => {
    timer = setTimeout(() => done(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
