import { spawn } from 'node:child_process';
import path from 'node:path';
import { outboxBeside } from './run-cli.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** `npm run dev` and the tests run the sources through tsx; `npm start` builds, then runs the compiled JavaScript. */
export const FROM_SOURCES = ['--import', 'tsx', path.join(ROOT, 'src/main.ts')];
export const COMPILED = [path.join(ROOT, 'dist/src/main.js')];

/** The server as its own process on a free port, with only the environment given (and PATH). */
export function startServer(env: Record<string, string>, entry = FROM_SOURCES) {
  const child = spawn(process.execPath, entry, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'info', ...outboxBeside(env), ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const listening = new Promise<number>((resolve, reject) => {
    child.stdout.on('data', () => {
      const line = stdout.split('\n').find((l) => l.includes('"msg":"listening"'));
      if (line) resolve(JSON.parse(line).port);
    });
    void exited.then(() => reject(new Error(`server exited early: ${stderr}`)));
  });
  return { child, listening, exited, output: () => ({ stdout, stderr }) };
}
