import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 180_000,
    // Integration and end-to-end suites each start their own broker or browser; running files one at a time keeps
    // them from fighting over two cores and fixed ports.
    fileParallelism: false,
    allowOnly: false,
  },
});
