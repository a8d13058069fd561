import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MAX_RECORD_BYTES, readCsvRecords, StopReading } from '../../src/camtrap/csv-records.js';

/** The file cut into chunks of `size` bytes, as a stream hands it over. */
function chunked(text: string | Buffer, size: number): Readable {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return Readable.from(chunks);
}

async function records(text: string | Buffer, size = 3) {
  const found: [number, string[]][] = [];
  let bytes = 0;
  await readCsvRecords(
    chunked(text, size),
    (record, line) => found.push([line, record]),
    (n) => (bytes += n),
  );
  return { found, bytes };
}

describe('reading CSV records', () => {
  it('drops a byte-order mark, skips empty lines and keeps line numbers through quoted line breaks', async () => {
    const text = '\ufeffid,note\r\n1,"two\r\nlines"\r\n\r\n2,"a ""quoted"", comma"\r\n3,Кедровая Падь\r\n';
    for (const size of [1, 2, 3, 7, 64]) {
      const { found, bytes } = await records(text, size);
      expect(found, `chunks of ${size}`).toEqual([
        [1, ['id', 'note']],
        [2, ['1', 'two\r\nlines']],
        [5, ['2', 'a "quoted", comma']],
        [6, ['3', 'Кедровая Падь']], // a character split between chunks stays whole
      ]);
      expect(bytes).toBe(Buffer.byteLength(text));
    }
  });

  it('reads files whose lines end in CR alone, and a last line without a line break', async () => {
    expect((await records('a,b\r1,2\r3,4')).found).toEqual([
      [1, ['a', 'b']],
      [2, ['1', '2']],
      [3, ['3', '4']],
    ]);
  });

  it('names the line of a quoted field that is never closed, or closed badly', async () => {
    await expect(records('a,b\n1,2\n3,"four\n5,6\n')).rejects.toThrow(
      'a quoted field is never closed, in the record starting at line 3',
    );
    await expect(records('a,b\n1,"2"x\n')).rejects.toThrow(
      "a quoted field must be followed by a comma or the line's end, in the record starting at line 2",
    );
  });

  it('stops at a record longer than the limit instead of holding the rest of the file', async () => {
    const huge = Buffer.concat([Buffer.from('a,b\n1,"'), Buffer.alloc(MAX_RECORD_BYTES * 3, 'x')]);
    let bytes = 0;
    await expect(
      readCsvRecords(
        chunked(huge, 64 * 1024),
        () => {},
        (n) => (bytes += n),
      ),
    ).rejects.toThrow('the record starting at line 2 is longer than 1 MB');
    expect(bytes).toBeLessThan(MAX_RECORD_BYTES * 2); // it stopped reading: the rest never came in
  });

  it('stops quietly when the reader says so', async () => {
    const seen: number[] = [];
    await readCsvRecords(
      chunked('a\n1\n2\n3\n', 2),
      (_record, line) => {
        seen.push(line);
        if (line === 2) throw new StopReading();
      },
      () => {},
    );
    expect(seen).toEqual([1, 2]);
  });
});
