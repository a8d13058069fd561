import type { Response } from 'express';
import { exportFileName, type SupporterDataExport } from '../supporters/export-supporter-data.js';

/**
 * A buyer's data as a file to save, never to show or keep: an attachment named by the day only,
 * stored by no cache, sent on to no other site.
 */
export function sendDataExport(res: Response, data: SupporterDataExport, now: number): void {
  res
    .set({
      'Content-Disposition': `attachment; filename="${exportFileName(now)}"`,
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
      'X-Robots-Tag': 'noindex, nofollow',
    })
    .type('json')
    .send(`${JSON.stringify(data, null, 2)}\n`);
}
