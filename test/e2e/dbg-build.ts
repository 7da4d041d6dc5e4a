import { buildE2eRenderer } from './harness/renderer-build';
await buildE2eRenderer();
