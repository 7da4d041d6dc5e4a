/** Builds the e2e renderer once for every Chromium test file. */
import type { TestProject } from 'vitest/node';
import { buildE2eRenderer } from './harness/renderer-build';

declare module 'vitest' {
  export interface ProvidedContext {
    rendererDir: string;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  project.provide('rendererDir', await buildE2eRenderer());
}
