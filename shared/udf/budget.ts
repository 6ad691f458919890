/**
 * The UDF time budget (SPEC §5). Compiled user code calls `guard()` at the top of every loop iteration; the guard
 * reads the clock only on its first call in a UDF call and then once every 64 iterations, so a UDF without loops
 * costs nothing, a tight loop pays about one clock read per 64 turns, and an endless one throws within its budget
 * even when each turn is slow. The clock is injected (a host passes its
 * `performance.now`), never reached for.
 */
export class UdfTimeoutError extends Error {
  readonly budgetMs: number;

  constructor(budgetMs: number) {
    super(`user code ran longer than its budget of ${budgetMs} ms (an endless loop?)`);
    this.budgetMs = budgetMs;
    this.name = 'UdfTimeoutError';
  }
}

export const DEFAULT_UDF_BUDGET_MS = 1000;

const CHECK_EVERY = 63;

export class UdfBudget {
  readonly budgetMs: number;
  private readonly now: () => number;

  private iterations = 0;
  private startedAt = -1;

  constructor(budgetMs: number = DEFAULT_UDF_BUDGET_MS, now: () => number = defaultClock) {
    this.budgetMs = budgetMs;
    this.now = now;
  }

  /** Called by the engine before each UDF call. */
  begin(): void {
    this.startedAt = -1;
  }

  /** Called by instrumented user code at every loop iteration. */
  readonly guard = (): void => {
    if (this.startedAt < 0) {
      this.startedAt = this.now();
      this.iterations = 0;
    } else if ((++this.iterations & CHECK_EVERY) === 0 && this.now() - this.startedAt > this.budgetMs) {
      throw new UdfTimeoutError(this.budgetMs);
    }
  };
}

function defaultClock(): number {
  return globalThis.performance ? globalThis.performance.now() : Date.now();
}
