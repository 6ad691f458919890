#!/usr/bin/env node
// The `weir` command. The CLI is TypeScript, like the rest of Weir; tsx loads it without a build step.
import { register } from 'tsx/esm/api';

register();
const { run } = await import(new URL('../server/src/cli/main.ts', import.meta.url).href);
await run();
