import { defineConfig } from 'vitest/config';
import { TEST_TIMEOUT_MS } from './test/patience.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // CI may run while the machine is loaded: a test fails because something did not happen, never because it was
    // slow (test/patience.ts).
    testTimeout: TEST_TIMEOUT_MS,
    hookTimeout: TEST_TIMEOUT_MS,
    // Integration and end-to-end suites each start their own broker or browser; running files one at a time keeps
    // them from fighting over two cores and fixed ports.
    fileParallelism: false,
    allowOnly: false,
  },
});
