import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the part of the Stripe API the app calls:
 * GET /v1/checkout/sessions/:id/line_items, paginated with `starting_after` like Stripe's lists.
 * It serves a fixed page size whatever `limit` asks for, so a small one exercises several pages.
 */
export interface StripeStandIn {
  url: string;
  /** Line items per session id. */
  lineItems: Map<string, object[]>;
  requests: string[];
  /** While true, every request gets a 500 (as when Stripe has an incident). */
  isDown: boolean;
  /** Secret keys Stripe no longer accepts (rolled or revoked in the dashboard): 401, as Stripe answers. */
  revokedKeys: Set<string>;
  close(): Promise<void>;
}

export async function startStripeStandIn(
  pageSize = 2,
  lineItems = new Map<string, object[]>(),
): Promise<StripeStandIn> {
  const standIn: Omit<StripeStandIn, 'url' | 'close'> = {
    lineItems,
    requests: [],
    isDown: false,
    revokedKeys: new Set(),
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    standIn.requests.push(`${req.method} ${url.pathname}${url.search}`);
    const send = (status: number, body: object) => {
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${standIn.requests.length}` });
      res.end(JSON.stringify(body));
    };
    if (standIn.isDown) return send(500, { error: { type: 'api_error', message: 'An unknown error occurred' } });
    const key = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!/^sk_/.test(key) || standIn.revokedKeys.has(key))
      return send(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
    if (url.pathname === '/v1/account')
      return send(200, { id: 'acct_1StandIn', object: 'account', country: 'GB', default_currency: 'gbp' });
    const match = /^\/v1\/checkout\/sessions\/([^/]+)\/line_items$/.exec(url.pathname);
    const items = match ? standIn.lineItems.get(decodeURIComponent(match[1]!)) : undefined;
    if (!match || !items)
      return send(404, { error: { type: 'invalid_request_error', message: 'No such checkout session' } });
    const after = url.searchParams.get('starting_after');
    const start = after ? items.findIndex((item) => (item as { id: string }).id === after) + 1 : 0;
    const data = items.slice(start, start + pageSize);
    send(200, { object: 'list', data, has_more: start + pageSize < items.length, url: url.pathname });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(standIn, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
