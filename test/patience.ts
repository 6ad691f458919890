/**
 * How long a test waits for something that must happen: far longer than it takes on a loaded machine, so that only
 * a hang fails a test, and well under vitest's per-test timeout (vitest.config.ts), so that the wait that gave up
 * says what did not happen. Waits poll and end as soon as their condition holds; no test asserts a duration.
 */
export const PATIENCE_MS = 300_000;

/** vitest's per-test and per-hook timeout: two waits' worth. */
export const TEST_TIMEOUT_MS = 2 * PATIENCE_MS;
