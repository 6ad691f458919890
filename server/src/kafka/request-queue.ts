/**
 * kafkajs 2.2.4 schedules its request queue's throttle check with `throttledUntil - Date.now()` even when nothing is
 * throttled or pending, a large negative delay, which Node (since 24) reports once per process as a
 * TimeoutNegativeWarning before treating it as 1 ms. This is the same method with the delay it means: at once
 * (0) when not throttled, kafkajs's 10 ms interval when requests are pending.
 */
import { createRequire } from 'node:module';

const CHECK_PENDING_REQUESTS_INTERVAL = 10;

interface RequestQueue {
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  pending: unknown[];
  checkPendingRequests(): void;
}

const require = createRequire(import.meta.url);
const RequestQueueClass = require('kafkajs/src/network/requestQueue/index.js') as {
  prototype: RequestQueue & { scheduleCheckPendingRequests(): void };
};

RequestQueueClass.prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(
  this: RequestQueue,
): void {
  if (this.throttleCheckTimeoutId) return;
  let scheduleAt = this.throttledUntil - Date.now();
  if (scheduleAt <= 0) scheduleAt = this.pending.length > 0 ? CHECK_PENDING_REQUESTS_INTERVAL : 0;
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, scheduleAt);
};
