import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the part of the Stripe API the app calls, over real HTTP:
 * - GET /v1/checkout/sessions/:id/line_items, paginated with `starting_after` like Stripe's lists;
 * - GET /v1/events (`types[]`, `created[gte|gt|lte|lt]`, `starting_after` / `ending_before`, `limit`
 *   up to 100, `has_more`), keeping 30 days of events as Stripe does, and GET /v1/events/:id;
 * - the same lists and retrievals for checkout sessions, refunds and disputes (kept for ever).
 * Lists run newest first, as Stripe's do. `pageSize` caps every page whatever `limit` asks for, so a
 * small one exercises several pages. Shapes follow Stripe's OpenAPI examples (test/fixtures/stripe).
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
  /** Every Nth API request gets a 429 with `Retry-After: retryAfterSeconds` (0: never). */
  rateLimitEvery: number;
  retryAfterSeconds: number;
  /** How many 429s it has answered. */
  throttled: number;
  /** Lists the key may not read ('events', 'checkout/sessions', 'refunds', 'disputes'): 403, as a restricted key gets. */
  forbidden: Set<string>;
  /** Stripe's clock, in seconds: what "30 days ago" means for events. */
  nowSeconds: () => number;
  /** Changes a list page before it is sent (to make bad input). */
  tamperPage?: (path: string, page: { data: object[]; has_more: boolean }) => { data: object[]; has_more: boolean };
  events: Collection;
  sessions: Collection;
  refunds: Collection;
  disputes: Collection;
  /** A change in the Stripe account: the object's new state is kept, and an event says so. Returns the event. */
  record(type: string, object: StripeObject, createdSeconds?: number): StripeEventShape;
  close(): Promise<void>;
}

export interface StripeObject {
  id: string;
  object: string;
  created?: number;
  [key: string]: unknown;
}

export interface StripeEventShape {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: StripeObject };
  livemode: boolean;
  pending_webhooks: number;
  request: { id: null; idempotency_key: null };
  type: string;
}

const EVENT_RETENTION_SECONDS = 30 * 86_400;
const MAX_LIMIT = 100;

/** Objects by id, in order of `created` (then of arrival), as Stripe's lists order them. */
export class Collection {
  private items: StripeObject[] = [];
  private positions = new Map<string, number>();

  get size(): number {
    return this.items.length;
  }

  get(id: string): StripeObject | undefined {
    const at = this.positions.get(id);
    return at === undefined ? undefined : this.items[at];
  }

  /** Adds an object, or replaces the stored state of one with the same id (where it stands). */
  put(item: StripeObject): void {
    const at = this.positions.get(item.id);
    if (at !== undefined) {
      this.items[at] = { ...item, created: this.items[at]!.created };
      return;
    }
    const created = item.created ?? 0;
    const last = this.items[this.items.length - 1];
    this.items.push(item);
    if (last && (last.created ?? 0) > created) {
      this.items.sort((a, b) => (a.created ?? 0) - (b.created ?? 0));
      this.positions = new Map(this.items.map((it, i) => [it.id, i]));
    } else this.positions.set(item.id, this.items.length - 1);
  }

  /**
   * A page newest first: after `startingAfter` (older objects) or before `endingBefore` (newer ones),
   * keeping those `matches` accepts. Returns null for a cursor it does not know.
   */
  page(
    opts: { limit: number; startingAfter?: string; endingBefore?: string; minCreated: number; maxCreated: number },
    matches: (item: StripeObject) => boolean,
  ): { data: StripeObject[]; has_more: boolean } | null {
    const { limit, minCreated, maxCreated } = opts;
    const inRange = (item: StripeObject) => {
      const c = item.created ?? 0;
      return c >= minCreated && c <= maxCreated && matches(item);
    };
    const data: StripeObject[] = [];
    if (opts.endingBefore !== undefined) {
      const at = this.positions.get(opts.endingBefore);
      if (at === undefined) return null;
      let i = at + 1;
      for (; i < this.items.length && data.length < limit; i++) if (inRange(this.items[i]!)) data.push(this.items[i]!);
      let hasMore = false;
      for (; i < this.items.length && !hasMore; i++) hasMore = inRange(this.items[i]!);
      return { data: data.reverse(), has_more: hasMore };
    }
    let i = this.items.length - 1;
    if (opts.startingAfter !== undefined) {
      const at = this.positions.get(opts.startingAfter);
      if (at === undefined) return null;
      i = at - 1;
    } else i = this.upperBound(maxCreated) - 1;
    for (; i >= 0 && data.length < limit; i--) {
      const item = this.items[i]!;
      if ((item.created ?? 0) < minCreated) return { data, has_more: false };
      if (inRange(item)) data.push(item);
    }
    let hasMore = false;
    for (; i >= 0 && !hasMore && (this.items[i]!.created ?? 0) >= minCreated; i--) hasMore = inRange(this.items[i]!);
    return { data, has_more: hasMore };
  }

  /** The first position with `created` above `max`. */
  private upperBound(max: number): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.items[mid]!.created ?? 0) <= max) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

const LISTS: Record<
  string,
  { name: string; collection: (s: StripeStandIn) => Collection; noun: string; permission: string }
> = {
  events: { name: 'events', collection: (s) => s.events, noun: 'event', permission: 'rak_event_read' },
  'checkout/sessions': {
    name: 'checkout/sessions',
    collection: (s) => s.sessions,
    noun: 'checkout.session',
    permission: 'rak_checkout_session_read',
  },
  refunds: { name: 'refunds', collection: (s) => s.refunds, noun: 'refund', permission: 'rak_refund_read' },
  disputes: { name: 'disputes', collection: (s) => s.disputes, noun: 'dispute', permission: 'rak_dispute_read' },
};

let eventSeq = 0;

export async function startStripeStandIn(
  pageSize = 2,
  lineItems = new Map<string, object[]>(),
): Promise<StripeStandIn> {
  const standIn = {
    lineItems,
    requests: [] as string[],
    isDown: false,
    revokedKeys: new Set<string>(),
    rateLimitEvery: 0,
    retryAfterSeconds: 1,
    throttled: 0,
    forbidden: new Set<string>(),
    nowSeconds: () => Math.floor(Date.now() / 1000),
    tamperPage: undefined,
    events: new Collection(),
    sessions: new Collection(),
    refunds: new Collection(),
    disputes: new Collection(),
  } as Omit<StripeStandIn, 'url' | 'close' | 'record'> as StripeStandIn;
  standIn.record = (type, object, createdSeconds) => {
    const created = createdSeconds ?? standIn.nowSeconds();
    const kept =
      object.object === 'checkout.session'
        ? standIn.sessions
        : object.object === 'refund'
          ? standIn.refunds
          : object.object === 'dispute'
            ? standIn.disputes
            : null;
    kept?.put({ ...object, created: object.created ?? created });
    const event: StripeEventShape = {
      id: `evt_${(++eventSeq).toString(36).padStart(6, '0')}${Math.random().toString(36).slice(2, 12)}`,
      object: 'event',
      api_version: '2026-10-28.endive',
      created,
      data: { object: { ...object, created: object.created ?? created } },
      livemode: object.livemode === true,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    };
    standIn.events.put(event as unknown as StripeObject);
    return event;
  };
  let apiRequests = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    standIn.requests.push(`${req.method} ${url.pathname}${url.search}`);
    const send = (status: number, body: object, headers: Record<string, string> = {}) => {
      res.writeHead(status, {
        'content-type': 'application/json',
        'request-id': `req_${standIn.requests.length}`,
        ...headers,
      });
      res.end(JSON.stringify(body));
    };
    const invalid = (message: string, param?: string) =>
      send(400, { error: { type: 'invalid_request_error', message, ...(param && { param }) } });
    if (standIn.isDown) return send(500, { error: { type: 'api_error', message: 'An unknown error occurred' } });
    const key = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!/^sk_/.test(key) || standIn.revokedKeys.has(key))
      return send(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
    if (url.pathname === '/v1/account')
      return send(200, { id: 'acct_1StandIn', object: 'account', country: 'GB', default_currency: 'gbp' });
    if (standIn.rateLimitEvery > 0 && ++apiRequests % standIn.rateLimitEvery === 0 && ++standIn.throttled)
      return send(
        429,
        { error: { type: 'invalid_request_error', code: 'rate_limit', message: 'Request rate limit exceeded.' } },
        { 'retry-after': String(standIn.retryAfterSeconds) },
      );

    const lines = /^\/v1\/checkout\/sessions\/([^/]+)\/line_items$/.exec(url.pathname);
    if (lines) {
      const items = standIn.lineItems.get(decodeURIComponent(lines[1]!));
      if (!items) return send(404, { error: { type: 'invalid_request_error', message: 'No such checkout session' } });
      const after = url.searchParams.get('starting_after');
      const start = after ? items.findIndex((item) => (item as { id: string }).id === after) + 1 : 0;
      const data = items.slice(start, start + pageSize);
      return send(200, { object: 'list', data, has_more: start + pageSize < items.length, url: url.pathname });
    }

    const route = /^\/v1\/(events|checkout\/sessions|refunds|disputes)(?:\/([^/]+))?$/.exec(url.pathname);
    const list = route ? LISTS[route[1]!] : undefined;
    if (!route || !list)
      return send(404, {
        error: { type: 'invalid_request_error', message: `Unrecognized request URL (GET: ${url.pathname})` },
      });
    if (standIn.forbidden.has(list.name))
      return send(403, {
        error: {
          type: 'invalid_request_error',
          message: `The provided key 'sk_test_***' does not have the required permissions for this endpoint on account 'acct_stand_in'. Having the '${list.permission}' permission would allow this request to continue.`,
        },
      });
    const collection = list.collection(standIn);
    const retained = (item: StripeObject) =>
      list.name !== 'events' || (item.created ?? 0) >= standIn.nowSeconds() - EVENT_RETENTION_SECONDS;
    if (route[2]) {
      const item = collection.get(decodeURIComponent(route[2]));
      if (!item || !retained(item))
        return send(404, {
          error: { type: 'invalid_request_error', message: `No such ${list.noun}: '${route[2]}'`, param: 'id' },
        });
      return send(200, item);
    }

    const q = url.searchParams;
    const limit = q.has('limit') ? Number(q.get('limit')) : 10;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
      return invalid('This value must be between 1 and 100.', 'limit');
    const bound = (name: string) => (q.has(`created[${name}]`) ? Number(q.get(`created[${name}]`)) : undefined);
    const gte = bound('gte') ?? (bound('gt') !== undefined ? bound('gt')! + 1 : -Infinity);
    const lte = bound('lte') ?? (bound('lt') !== undefined ? bound('lt')! - 1 : Infinity);
    if (Number.isNaN(gte) || Number.isNaN(lte)) return invalid('Invalid integer', 'created');
    // Stripe's own client sends types[0]=…; others send types[]=…
    const types = [...q.entries()].filter(([key]) => /^types\[\d*\]$/.test(key)).map(([, value]) => value);
    const cursor = {
      startingAfter: q.get('starting_after') ?? undefined,
      endingBefore: q.get('ending_before') ?? undefined,
    };
    const page = collection.page(
      { limit: Math.min(limit, pageSize), ...cursor, minCreated: gte, maxCreated: lte },
      (item) => retained(item) && (types.length === 0 || types.includes((item as unknown as StripeEventShape).type)),
    );
    if (!page)
      return invalid(
        `No such ${list.noun}: '${cursor.startingAfter ?? cursor.endingBefore}'`,
        cursor.startingAfter ? 'starting_after' : 'ending_before',
      );
    const sent = standIn.tamperPage ? standIn.tamperPage(list.name, page) : page;
    send(200, { object: 'list', data: sent.data, has_more: sent.has_more, url: `/v1/${list.name}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(standIn, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
