import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import Papa from 'papaparse';

/** A record (quoted line breaks and all) longer than this stops the file: memory stays bounded. */
export const MAX_RECORD_BYTES = 1024 * 1024;

const CR = 0x0d;
const LF = 0x0a;

/** Called for every record with the line it starts on (the header is line 1); throw StopReading to stop. */
export type OnRecord = (record: string[], line: number) => void;

/** Thrown by an OnRecord to stop reading a file that cannot be read any further (its header is wrong). */
export class StopReading extends Error {}

type LineEnd = '\n' | '\r\n' | '\r';

/**
 * Reads a CSV file (RFC 4180) record by record with Papa Parse: fields split at commas; quoted
 * fields holding commas, doubled quotes and line breaks; lines ending in LF, CRLF or CR, as the
 * file's first line break says; a byte-order mark dropped and empty lines skipped. It streams: only
 * an unfinished record is held, and one longer than MAX_RECORD_BYTES (an unclosed quote, say) stops
 * the file. Rejects with a sentence naming the line on malformed CSV; resolves early on StopReading.
 */
export async function readCsvRecords(input: Readable, onRecord: OnRecord, onBytes: (n: number) => void): Promise<void> {
  const chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  // Decoded here, not by the parser: a character split between two chunks stays one character.
  const decoder = new StringDecoder('utf8');
  const head = await readToFirstLineBreak(chunks, decoder);
  onBytes(head.bytesRead);
  if (head.text.length === 0) return;
  const newline = lineEndOf(head.text);
  let line = 1;
  let unfinished = head.text.length;
  let failure: Error | null = null;
  const source = Readable.from(
    (async function* () {
      yield head.text;
      for (let chunk = await nextChunk(chunks); chunk; chunk = await nextChunk(chunks)) {
        onBytes(chunk.length);
        unfinished += chunk.length;
        if (unfinished > MAX_RECORD_BYTES) throw tooLong(line);
        yield decoder.write(chunk);
      }
      yield decoder.end();
    })(),
  );
  await new Promise<void>((resolve, reject) => {
    Papa.parse<string[]>(source, {
      delimiter: ',',
      newline,
      quoteChar: '"',
      escapeChar: '"',
      step: (result, parser) => {
        const error = result.errors[0];
        if (error) {
          failure = new Error(`${PROBLEMS[error.code] ?? error.message}, in the record starting at line ${line}`);
          return parser.abort();
        }
        unfinished = 0;
        const record = result.data;
        const startLine = line;
        line += 1 + lineBreaksIn(record, newline);
        if (record.length === 1 && record[0] === '') return; // an empty line
        try {
          onRecord(record, startLine);
        } catch (thrown) {
          failure = thrown instanceof Error ? thrown : new Error(String(thrown));
          parser.abort();
        }
      },
      complete: () => (failure && !(failure instanceof StopReading) ? reject(failure) : resolve()),
      error: (error: Error) => reject(error),
    });
  });
}

const PROBLEMS: Record<string, string> = {
  MissingQuotes: 'a quoted field is never closed',
  InvalidQuotes: "a quoted field must be followed by a comma or the line's end",
};

function tooLong(line: number): Error {
  return new Error(`the record starting at line ${line} is longer than ${MAX_RECORD_BYTES / 1_048_576} MB`);
}

async function nextChunk(chunks: AsyncIterator<Buffer>): Promise<Buffer | null> {
  const next = await chunks.next();
  return next.done ? null : next.value;
}

/**
 * The file's start, read until its first line break is in sight (or its end), as text without a
 * byte-order mark: the line break it uses decides how every line is cut.
 */
async function readToFirstLineBreak(
  chunks: AsyncIterator<Buffer>,
  decoder: StringDecoder,
): Promise<{ text: string; bytesRead: number }> {
  const parts: Buffer[] = [];
  let bytesRead = 0;
  for (;;) {
    const chunk = await nextChunk(chunks);
    if (chunk) {
      parts.push(chunk);
      bytesRead += chunk.length;
    }
    const bytes = Buffer.concat(parts);
    const cr = bytes.indexOf(CR);
    // A CR at the very end may be the first half of a CRLF split between chunks.
    const isKnown = bytes.indexOf(LF) !== -1 || (cr !== -1 && cr < bytes.length - 1);
    if (!chunk || isKnown || bytes.length > MAX_RECORD_BYTES) {
      const text = decoder.write(bytes);
      return { text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, bytesRead };
    }
  }
}

function lineEndOf(text: string): LineEnd {
  const lf = text.indexOf('\n');
  const cr = text.indexOf('\r');
  if (cr === -1 || (lf !== -1 && lf < cr)) return '\n';
  return text[cr + 1] === '\n' ? '\r\n' : '\r';
}

function lineBreaksIn(record: string[], newline: LineEnd): number {
  let count = 0;
  for (const cell of record)
    for (let at = cell.indexOf(newline); at !== -1; at = cell.indexOf(newline, at + newline.length)) count++;
  return count;
}
