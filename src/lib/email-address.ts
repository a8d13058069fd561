/** The longest address SMTP can carry (RFC 5321's 256-octet path, less its angle brackets). */
export const EMAIL_MAX_LENGTH = 254;
/** Room for spaces a person typed around an address; anything longer is not an address. */
const SURROUNDING_SPACE = 64;
/** Any white space at all; a single-character test cannot backtrack. */
const WHITE_SPACE = /\s/;

/**
 * Lower-cased and trimmed; null when it does not look like an address at all: one `@` with
 * something before it, a dot inside the domain with something on both sides, no white space, at
 * most 254 characters. The length is checked before anything else, and the rest is a few scans
 * of at most that many characters: no input can make it slow (a backtracking pattern here once
 * let one request hold the server for seconds).
 */
export function normaliseEmail(raw: string | null | undefined): string | null {
  if (typeof raw !== 'string' || raw.length > EMAIL_MAX_LENGTH + SURROUNDING_SPACE) return null;
  const email = raw.trim().toLowerCase();
  if (email.length > EMAIL_MAX_LENGTH || WHITE_SPACE.test(email)) return null;
  const at = email.indexOf('@');
  if (at < 1 || email.includes('@', at + 1)) return null;
  const dot = email.indexOf('.', at + 2); // the domain's first dot that has something before it
  return dot !== -1 && dot < email.length - 1 ? email : null;
}
