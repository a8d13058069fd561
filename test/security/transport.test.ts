import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/http/server.js';
import { addStaff, csrfIn, STAFF_PASSWORD } from '../helpers/staff-console.js';
import { createTestApp } from '../helpers/test-app.js';

const servers: import('node:http').Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function listening(timeouts: { headersTimeoutMs: number; requestTimeoutMs: number; keepAliveTimeoutMs: number }) {
  const t = createTestApp();
  const server = createHttpServer(t.app, timeouts);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Opens a connection and reports what the server sent and when it hung up, in ms from opening. */
function connect(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  const opened = performance.now();
  let received = '';
  socket.on('data', (chunk) => (received += chunk.toString()));
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(performance.now() - opened)));
  socket.on('error', () => undefined);
  return { socket, closed, received: () => received };
}

describe('the HTTP server', () => {
  it('cuts off a client that trickles its headers in, at the headers deadline', async () => {
    const port = await listening({ headersTimeoutMs: 1_000, requestTimeoutMs: 5_000, keepAliveTimeoutMs: 5_000 });
    const slow = connect(port);
    slow.socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const trickle = setInterval(() => slow.socket.writable && slow.socket.write('X-Slow: 1\r\n'), 200);

    const closedAfterMs = await slow.closed;
    clearInterval(trickle);
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(closedAfterMs).toBeLessThan(4_000); // Node's own default would have waited a minute
  });

  it('closes a kept-alive connection once it has been idle for the keep-alive time', async () => {
    const port = await listening({ headersTimeoutMs: 2_000, requestTimeoutMs: 5_000, keepAliveTimeoutMs: 1_000 });
    const client = connect(port);
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');

    const closedAfterMs = await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(client.received()).toContain('Keep-Alive: timeout=1');
    expect(closedAfterMs).toBeLessThan(4_000);
  });
});

describe('HTTPS', () => {
  it('asks browsers for HTTPS only in production, and never on a plain-HTTP development site', async () => {
    const production = createTestApp({
      env: { NODE_ENV: 'production', LOG_LEVEL: 'silent', PUBLIC_URL: 'https://socks.example' },
    });
    const development = createTestApp();

    expect((await production.http.get('/')).headers['strict-transport-security']).toBe('max-age=31536000');
    expect((await development.http.get('/')).headers['strict-transport-security']).toBeUndefined();
  });

  it('names the staff cookies __Host- where the site is HTTPS, and reads no cookie without the prefix there', async () => {
    const t = createTestApp({ env: { PUBLIC_URL: 'https://socks.example' } });
    await addStaff(t, { email: 'ada@socks.test' });
    const form = await t.http.get('/admin/login');
    expect(String(form.headers['set-cookie'])).toMatch(
      /^__Host-socks_staff=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
    );

    const anonymous = String(form.headers['set-cookie']).split(';')[0]!;
    const res = await t.http
      .post('/admin/login')
      .set('cookie', anonymous)
      .type('form')
      .send({ _csrf: csrfIn(form.text), email: 'ada@socks.test', password: STAFF_PASSWORD });
    const cookies = res.headers['set-cookie'] as unknown as string[];
    expect(cookies.map((c) => c.split('=')[0])).toEqual(['__Host-socks_staff', '__Host-socks_device']);
    expect(cookies[1]).toMatch(/; Max-Age=31536000; Path=\/; Expires=[^;]+; HttpOnly; Secure; SameSite=Lax$/);
    const session = /__Host-socks_staff=([^;]+)/.exec(cookies[0]!)![1]!;

    expect((await t.http.get('/admin').set('cookie', `__Host-socks_staff=${session}`)).status).toBe(200);
    expect((await t.http.get('/admin').set('cookie', `socks_staff=${session}`)).status).toBe(303); // sent to sign in
  });
});
