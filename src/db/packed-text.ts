import zlib from 'node:zlib';
import { customType } from 'drizzle-orm/sqlite-core';
import { EMAIL_BODY_DICTIONARY_V1 } from './email-body-dictionary-v1.js';

/**
 * HTML email bodies are stored deflated against a dictionary of our own rendered emails: a 2.5 KB
 * monthly email's HTML takes about 150 bytes, so a month of 100,000 emails adds tens of megabytes
 * rather than hundreds, and marking a message `sending` or `sent` rewrites a ~1 KB row rather than
 * a whole page. Through the schema the column reads and writes plain strings; the stored value is
 * a BLOB whose first byte is the format version.
 */
const VERSION_1 = 1;
// An 8 KB window holds the whole dictionary; tiny hash tables make each call cheap to set up (zlib
// is set up afresh for every body), at the price of a few bytes of output. Any level and memLevel
// read back the same; the window must stay at least this size.
const WINDOW_BITS = 13;
let dictionaryV1: Buffer | undefined;
const dictionary = () => (dictionaryV1 ??= Buffer.from(EMAIL_BODY_DICTIONARY_V1, 'utf8'));

export function packText(text: string): Buffer {
  const deflated = zlib.deflateRawSync(text, {
    dictionary: dictionary(),
    windowBits: WINDOW_BITS,
    memLevel: 1,
    level: 1,
  });
  const packed = Buffer.allocUnsafe(deflated.length + 1);
  packed[0] = VERSION_1;
  deflated.copy(packed, 1);
  return packed;
}

/** Plain text (stored before packing existed) reads back as it is. */
export function unpackText(stored: Buffer | string): string {
  if (typeof stored === 'string') return stored;
  if (stored[0] !== VERSION_1) throw new Error(`unknown packed text format ${stored[0]}`);
  return zlib
    .inflateRawSync(stored.subarray(1), { dictionary: dictionary(), windowBits: WINDOW_BITS })
    .toString('utf8');
}

/** A text column stored packed (declared TEXT, which SQLite lets hold a BLOB). */
export const packedText = customType<{ data: string; driverData: Buffer | string }>({
  dataType: () => 'text',
  toDriver: packText,
  fromDriver: unpackText,
});
