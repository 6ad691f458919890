#!/usr/bin/env node
// The `weir` command. The CLI is TypeScript, like the rest of Weir; Node strips its types as it loads it.
import { run } from '../server/src/cli/main.ts';

await run();
