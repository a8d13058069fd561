/** A whole number in range, or the fallback when unset; a problem is noted otherwise. */
export function parseInteger(
  raw: string | undefined,
  fallback: number,
  name: string,
  problems: string[],
  min: number,
  max: number,
): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
    return fallback;
  }
  return value;
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration such as `65s`, `15m`, `2h` or `500ms` (a bare number is seconds), in milliseconds,
 * within [minMs, maxMs]; the fallback when unset; a problem is noted otherwise.
 */
export function parseDuration(
  raw: string | undefined,
  fallbackMs: number,
  name: string,
  problems: string[],
  minMs: number,
  maxMs: number,
): number {
  if (raw === undefined || raw.trim() === '') return fallbackMs;
  const match = /^(\d{1,9})(ms|s|m|h|d)?$/.exec(raw.trim());
  const ms = match ? Number(match[1]) * DURATION_UNITS_MS[match[2] ?? 's']! : NaN;
  if (!(ms >= minMs && ms <= maxMs)) {
    problems.push(
      `${name} must be a duration such as 30s or 15m, from ${describeMs(minMs)} to ${describeMs(maxMs)} (got "${raw}")`,
    );
    return fallbackMs;
  }
  return ms;
}

function describeMs(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
