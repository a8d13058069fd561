import { eq } from 'drizzle-orm';
import { transaction, type Db } from '../db/client.js';
import { camtrapProjects } from '../db/schema/index.js';
import { BadRequestError, NotFoundError } from '../errors.js';
import { recordAudit, type Actor } from '../staff/audit-log.js';
import type { CoordinatePolicy } from './camera-data.queries.js';
import { hostsOf } from './week-photos.js';

const POLICIES: CoordinatePolicy[] = ['hidden', 'rounded'];
const MAX_HOSTS = 20;
const HOST = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export interface ProjectSettingsInput {
  coordinatePolicy: string;
  /** Host names, one per line or separated by commas or spaces. */
  photoHosts: string;
}

/**
 * What staff may see of a project: its cameras' coordinates not at all or rounded to 0.1° (GBIF's
 * advice for highly sensitive species), and the hosts whose public photos pages may show. Checked
 * whole, then saved and audited; a bad entry changes nothing.
 */
export function saveProjectSettings(
  db: Db,
  projectId: number,
  input: ProjectSettingsInput,
  actor: Actor,
  now: number,
): void {
  const policy = POLICIES.find((p) => p === input.coordinatePolicy);
  if (!policy)
    throw new BadRequestError('bad_policy', 'Choose whether coordinates are hidden or rounded to 0.1°.', {
      field: 'coordinatePolicy',
    });
  const hosts = parseHosts(input.photoHosts);
  transaction(
    db,
    (tx) => {
      const before = tx.select().from(camtrapProjects).where(eq(camtrapProjects.id, projectId)).get();
      if (!before) throw new NotFoundError('not_found', 'There is no such camera-trap project.');
      const after = { coordinatePolicy: policy, photoHosts: hosts.join(',') };
      tx.update(camtrapProjects).set(after).where(eq(camtrapProjects.id, projectId)).run();
      recordAudit(
        tx,
        actor,
        now,
        'camtrap.project_settings',
        `camtrap_project:${projectId}`,
        { coordinatePolicy: before.coordinatePolicy, photoHosts: hostsOf(before.photoHosts) },
        { coordinatePolicy: policy, photoHosts: hosts },
      );
    },
    'immediate',
  );
}

/** Host names, lower-cased and each once; anything else (a URL, a path, a port) is refused by name. */
export function parseHosts(text: string): string[] {
  const hosts = [
    ...new Set(
      text
        .split(/[\s,]+/)
        .filter(Boolean)
        .map((host) => host.toLowerCase()),
    ),
  ];
  const bad = hosts.find((host) => !HOST.test(host));
  if (bad)
    throw new BadRequestError(
      'bad_host',
      `"${bad.slice(0, 80)}" is not a host name. Give names only, such as media.example.org: no https://, paths or ports.`,
      { field: 'photoHosts' },
    );
  if (hosts.length > MAX_HOSTS)
    throw new BadRequestError('too_many_hosts', `Allow at most ${MAX_HOSTS} hosts.`, { field: 'photoHosts' });
  return hosts;
}
