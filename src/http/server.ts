import http from 'node:http';
import type { Express } from 'express';

/** How long a client may take, set deliberately rather than left to Node's defaults. */
export interface HttpTimeouts {
  /** To send a request's headers: a client trickling them in (slowloris) is cut off at this. */
  headersTimeoutMs: number;
  /** To send a whole request, body included. */
  requestTimeoutMs: number;
  /** An idle kept-alive connection stays open this long. Behind a proxy, keep it above the proxy's own idle timeout. */
  keepAliveTimeoutMs: number;
}

/**
 * The app's HTTP server. Node checks the header and request deadlines only every so often (30 s by
 * default, which would let a slow client hold a connection long past its deadline): here every
 * second, or sooner for deadlines shorter than that.
 */
export function createHttpServer(app: Express, timeouts: HttpTimeouts): http.Server {
  const server = http.createServer(
    {
      headersTimeout: timeouts.headersTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, timeouts.headersTimeoutMs / 2),
    },
    app,
  );
  server.keepAliveTimeout = timeouts.keepAliveTimeoutMs;
  return server;
}
