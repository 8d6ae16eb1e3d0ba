// Development, tests and the CLI only (the built app runs its bundled JavaScript worker directly):
// Node 20's worker threads do not inherit tsx's loader, so a TypeScript worker module is loaded
// through tsx's API from this plain-JavaScript entry. workerData.tsEntry is its file URL.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.tsEntry, import.meta.url);
