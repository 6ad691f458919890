/** The `ctx` of window UDFs: the usual context (SPEC §4) plus the window being computed (null for count windows). */
import type { OperatorEnv } from '../operator.ts';
import { UdfContext } from '../../udf/runtime.ts';
import type { TimeWindow } from './assigners.ts';

export class WindowUdfContext extends UdfContext {
  window: TimeWindow | null = null;

  constructor(env: OperatorEnv) {
    super(env);
  }
}
