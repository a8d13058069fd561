/** A strict RFC 4180 reader for the console's CSV downloads: rows of header → cell. */
export function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (char === '"' && cell === '') {
      const end = closingQuote(text, i + 1);
      cell = text.slice(i + 1, end).replace(/""/g, '"');
      i = end + 1;
      continue;
    }
    if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 1;
    } else {
      cell += char;
    }
    i += 1;
  }
  if (cell !== '' || row.length > 0) throw new Error('the CSV does not end with CRLF');
  const [header, ...body] = rows;
  return body.map((cells) => {
    if (cells.length !== header!.length)
      throw new Error(`a row has ${cells.length} cells, the header ${header!.length}`);
    return Object.fromEntries(header!.map((name, n) => [name, cells[n]!]));
  });
}

function closingQuote(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] !== '"') continue;
    if (text[i + 1] === '"') i += 1;
    else return i;
  }
  throw new Error('unterminated quoted cell');
}
