import path from 'node:path';
import { allocateTrapWeeks } from '../camtrap/allocate-weeks.js';
import { importPackage, type ImportSummary } from '../camtrap/import-package.js';
import { createContext } from '../context.js';
import { UsageError } from '../errors.js';
import { formatNumber } from '../lib/format.js';
import { COMMAND_LINE } from '../staff/audit-log.js';
import { parseOptions, type Command } from './command.js';
import { progressReporter } from './progress.js';

export const camtrapImportCommand: Command = {
  summary:
    'camtrap:import PATH: import a Camera Trap Data Package (a .zip, a datapackage.json or a folder);' +
    ' exits 0 when imported, 1 when refused (nothing written)',
  async run(args, config) {
    const { positionals } = parseOptions(args, {}, true);
    const location = positionals[0];
    if (!location || positionals.length > 1) throw new UsageError('usage', 'usage: npm run cli -- camtrap:import PATH');
    const ctx = createContext(config);
    try {
      const progress = progressReporter('bytes read');
      const result = await importPackage(ctx.db, location, {
        actor: COMMAND_LINE,
        now: () => ctx.clock.now(),
        sourceName: path.basename(location),
        onProgress: progress.update,
      });
      progress.finish();
      if (result.status === 'refused') {
        process.stderr.write(
          `refused: ${location} breaks the Camtrap DP standard (${result.problemCount} problems); nothing was written\n`,
        );
        for (const line of result.lines) process.stderr.write(`  ${line}\n`);
        return 1;
      }
      process.stdout.write(describeImport(result.summary));
      const { allocated } = await allocateTrapWeeks(ctx.db, ctx.clock.now());
      process.stdout.write(`  trap-weeks given a camera-week: ${formatNumber(allocated)}\n`);
      return 0;
    } finally {
      await ctx.close();
    }
  },
};

function describeImport(s: ImportSummary): string {
  const changes = (c: ImportSummary['deployments']) =>
    `${formatNumber(c.added)} added, ${formatNumber(c.changed)} changed, ${formatNumber(c.removed)} removed, ${formatNumber(c.unchanged)} unchanged`;
  return [
    `imported project ${s.project}: ${formatNumber(s.rows.deployments)} deployments, ${formatNumber(s.rows.media)} media, ${formatNumber(s.rows.observations)} observations read`,
    `  deployments: ${changes(s.deployments)}`,
    `  observations: ${changes(s.observations)}`,
    `  media: ${formatNumber(s.media.public)} public of ${formatNumber(s.media.rows)} kept for showing`,
    `  camera-weeks: ${formatNumber(s.cameraWeeks.added)} added, ${formatNumber(s.cameraWeeks.withdrawn)} withdrawn`,
    '',
  ].join('\n');
}
