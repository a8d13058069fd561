import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Response } from 'express';

/**
 * Writes chunks to a response, waiting for the client whenever its buffer is full, and giving other
 * requests a turn between chunks. Stops quietly if the client goes away.
 */
export async function writeChunks(res: Response, chunks: Iterable<string>): Promise<void> {
  for (const chunk of chunks) {
    if (res.destroyed) return;
    if (res.write(chunk)) await nextTurn();
    else await drainedOrClosed(res);
  }
  if (!res.destroyed) res.end();
}

/** Streams a CSV download (`chunks` of text) as an attachment named `filename`, with back-pressure. */
export function streamCsv(res: Response, filename: string, chunks: Iterable<string>): Promise<void> {
  csvHeaders(res, filename);
  return writeChunks(res, chunks);
}

export function csvHeaders(res: Response, filename: string): Response {
  return res.set({
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `attachment; filename="${filename}"`,
  });
}

/** Resolves when the response can take more, or has closed; leaves no listener behind either way. */
function drainedOrClosed(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
