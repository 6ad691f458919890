// Worker-thread bootstrap: the deployment worker is TypeScript, and a worker thread starts without the parent's
// module hooks, so it loads tsx's loader first (scoped to this import).
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.module, import.meta.url);
