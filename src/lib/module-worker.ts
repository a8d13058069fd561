import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread running the module at `moduleUrl`. Built, that is a `.js` file Node runs
 * as it is; from source (`npm run dev`, the tests) it is a `.ts` file, which the worker loads
 * through tsx, the same way the parent was loaded.
 */
export function startModuleWorker(moduleUrl: URL, options: WorkerOptions): Worker {
  if (!moduleUrl.pathname.endsWith('.ts')) return new Worker(moduleUrl, options);
  const bootstrap = [
    "import { register } from 'tsx/esm/api';",
    'register();',
    `await import(${JSON.stringify(moduleUrl.href)});`,
  ].join('\n');
  return new Worker(bootstrap, { ...options, eval: true });
}

/** A module's sibling, named without its extension: `.ts` beside a `.ts` module, `.js` beside a built one. */
export function siblingModule(importMetaUrl: string, name: string): URL {
  const extension = importMetaUrl.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${name}${extension}`, importMetaUrl);
}
