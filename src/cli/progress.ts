import { formatNumber } from '../lib/format.js';

/**
 * Progress for long commands, on stderr (stdout stays for results): a bar redrawn in place on a
 * terminal, otherwise a plain line at every tenth, which reads well in logs and CI.
 */
export function progressReporter(label: string, out: NodeJS.WriteStream = process.stderr) {
  let lastTenth = -1;
  let hasDrawn = false;
  return {
    update(done: number, total: number): void {
      const ratio = total > 0 ? Math.min(done / total, 1) : 1;
      const counts = `${formatNumber(done)} / ${formatNumber(total)} ${label}`;
      if (out.isTTY) {
        const width = 30;
        const filled = Math.round(ratio * width);
        out.write(
          `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` +
            `${String(Math.floor(ratio * 100)).padStart(3)}% ${counts}`,
        );
        hasDrawn = true;
        return;
      }
      const tenth = Math.floor(ratio * 10);
      if (tenth === lastTenth) return;
      lastTenth = tenth;
      out.write(`progress: ${tenth * 10}% (${counts})\n`);
    },
    finish(): void {
      if (hasDrawn) out.write('\n');
    },
  };
}
