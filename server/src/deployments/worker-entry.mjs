// Worker-thread bootstrap: imports the deployment worker's TypeScript module (Node strips its types), named in
// workerData so one entry serves every worker.
import { workerData } from 'node:worker_threads';

await import(workerData.module);
