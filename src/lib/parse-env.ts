/** A whole number in range, or the fallback when unset; a problem is noted otherwise. */
export function parseInteger(raw: string | undefined, fallback: number, name: string, problems: string[], min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
    return fallback;
  }
  return value;
}
