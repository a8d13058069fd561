import { TABLES, type TableName } from './table-schema.js';
import type { ProblemReport } from './problems.js';

/** What the import needs from a package's `datapackage.json`. */
export interface PackageDescriptor {
  /** The project the package belongs to: `project.id`, else the package's own `id` or `name`. */
  projectKey: string;
  projectTitle: string;
  packageName: string | null;
  /** The file of each of the three tables, relative to the descriptor. */
  paths: Record<TableName, string>;
  /** Common names by scientific name, from the package's `taxonomic` list (English first). */
  commonNames: Map<string, string>;
}

/** The properties Camtrap DP 1.0 requires of a package (camtrap-dp-profile.json). */
const REQUIRED = ['resources', 'profile', 'created', 'contributors', 'project', 'spatial', 'temporal', 'taxonomic'];
const DESCRIPTOR = 'datapackage.json';

/**
 * Checks that a descriptor is a Camtrap DP 1.0 package (its profile, the properties the standard
 * requires, and the three tables as tabular resources on this version's schemas) and reads what
 * the import needs. Problems go to `report`; null when it is not one at all.
 */
export function readDescriptor(raw: unknown, report: ProblemReport): PackageDescriptor | null {
  if (!isObject(raw)) {
    report.add({ file: DESCRIPTOR, rule: 'must be a JSON object describing a Camtrap DP package' });
    return null;
  }
  const profile = typeof raw.profile === 'string' ? raw.profile : '';
  if (!/camtrap-dp\/1\.0(\.\d+)?\/camtrap-dp-profile\.json$/.test(profile)) {
    report.add({
      file: DESCRIPTOR,
      field: 'profile',
      rule: `must be the Camtrap DP 1.0 profile (got "${profile.slice(0, 120)}"): this is not a Camtrap DP 1.0 package`,
    });
    return null;
  }
  for (const name of REQUIRED)
    if (raw[name] === undefined) report.add({ file: DESCRIPTOR, field: name, rule: 'is required by Camtrap DP' });
  const paths = resourcePaths(raw.resources, report);
  const project = isObject(raw.project) ? raw.project : {};
  const projectKey = [project.id, raw.id, raw.name].find(
    (value): value is string => typeof value === 'string' && value.trim() !== '',
  );
  if (!projectKey)
    report.add({
      file: DESCRIPTOR,
      field: 'project.id',
      rule: 'is needed to tell this project from others (or the package id or name)',
    });
  if (!paths || !projectKey) return null;
  return {
    projectKey,
    projectTitle:
      typeof project.title === 'string' ? project.title : typeof raw.title === 'string' ? raw.title : projectKey,
    packageName: typeof raw.name === 'string' ? raw.name : null,
    paths,
    commonNames: commonNamesOf(raw.taxonomic),
  };
}

function resourcePaths(resources: unknown, report: ProblemReport): Record<TableName, string> | null {
  if (!Array.isArray(resources)) {
    report.add({ file: DESCRIPTOR, field: 'resources', rule: 'must list the package resources' });
    return null;
  }
  const paths: Partial<Record<TableName, string>> = {};
  for (const table of TABLES) {
    const resource = resources.find((r): r is Record<string, unknown> => isObject(r) && r.name === table);
    const field = `resources[${table}]`;
    if (!resource) {
      report.add({ file: DESCRIPTOR, field, rule: `the ${table} table is required` });
      continue;
    }
    // Extra resources (an `individuals` table, say) are allowed and left alone.
    if (typeof resource.path !== 'string' || resource.path === '')
      report.add({ file: DESCRIPTOR, field: `${field}.path`, rule: 'must name the file (one CSV file)' });
    if (resource.profile !== 'tabular-data-resource')
      report.add({ file: DESCRIPTOR, field: `${field}.profile`, rule: 'must be tabular-data-resource' });
    const schema = typeof resource.schema === 'string' ? resource.schema : '';
    if (!schema.includes(`${table}-table-schema.json`) || !/\/1\.0(\.\d+)?\//.test(schema)) {
      report.add({
        file: DESCRIPTOR,
        field: `${field}.schema`,
        rule: `must be the Camtrap DP 1.0 ${table} table schema (got "${schema.slice(0, 120)}")`,
      });
    }
    if (typeof resource.path === 'string') paths[table] = resource.path;
  }
  return TABLES.every((table) => paths[table]) ? (paths as Record<TableName, string>) : null;
}

function commonNamesOf(taxonomic: unknown): Map<string, string> {
  const names = new Map<string, string>();
  if (!Array.isArray(taxonomic)) return names;
  for (const taxon of taxonomic) {
    if (!isObject(taxon) || typeof taxon.scientificName !== 'string') continue;
    const vernacular = isObject(taxon.vernacularNames) ? taxon.vernacularNames : {};
    const name = [vernacular.eng, vernacular.en, ...Object.values(vernacular)].find(
      (v): v is string => typeof v === 'string' && v !== '',
    );
    if (name) names.set(taxon.scientificName, name);
  }
  return names;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
