import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/lib/logger.js';
import { buy, tokenOf } from '../pages/shoppers.js';
import { createTestApp } from '../helpers/test-app.js';

function appWithLog() {
  const lines: string[] = [];
  const t = createTestApp({ overrides: { logger: createLogger('info', {}, (line) => void lines.push(line)) } });
  return { t, lines, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('private tokens never reach the logs', () => {
  it('logs a failing private page by its route, whatever the case of the address', async () => {
    const { t, lines, records } = appWithLog();
    await buy(t, { email: 'ada@example.org' });
    await t.settle();
    const token = tokenOf(t, 'ada@example.org');
    t.ctx.database.close(); // every query now fails: a 500 on each private route

    const paths = [`/IMPACT/${token}`, `/impact/${token}`, `/Api/Supporters/${token}`, `/UNSUBSCRIBE/${token}`];
    for (const path of paths) expect((await t.http.get(path)).status, path).toBe(500);

    expect(lines.join('\n')).not.toContain(token);
    const failed = records().filter((r) => r.msg === 'request failed');
    expect(failed.map((r) => r.path)).toEqual([
      '/impact/:token',
      '/impact/:token',
      '/api/supporters/:token',
      '/unsubscribe/:token',
    ]);
    expect(
      records()
        .filter((r) => r.msg === 'request' && r.status === 500)
        .map((r) => r.path),
    ).toEqual(failed.map((r) => r.path));
  });

  it('keeps the shape of an address no route matched, without anything that could be a token', async () => {
    const { t, lines, records } = appWithLog();
    const token = 'Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1';

    for (const path of [`/IMPACT/${token}/more`, `/somewhere/${token}`, '/nowhere/at-all'])
      expect((await t.http.get(path)).status).toBe(404);

    expect(lines.join('\n')).not.toContain(token);
    expect(
      records()
        .filter((r) => r.msg === 'request')
        .map((r) => r.path),
    ).toEqual(['/impact/:token/more', '/somewhere/:redacted', '/nowhere/at-all']);
  });

  it('takes a private link out of any logged text, an error message included', () => {
    const lines: string[] = [];
    const log = createLogger('info', {}, (line) => void lines.push(line));
    const token = 'Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1';

    log.error('send failed', {
      error: new Error(`could not fetch https://socks.example/Impact/${token}?x=1`),
      note: `see /unsubscribe/${token}`,
    });

    expect(lines.join('')).not.toContain(token);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      error: { message: 'could not fetch https://socks.example/Impact/:token?x=1' },
      note: 'see /unsubscribe/:token',
    });
  });
});
