import type { Router } from 'express';
import { adminRoutes } from '../../src/http/routes/admin/admin.routes.js';
import type { TestApp } from '../helpers/test-app.js';

export interface ConsoleRoute {
  method: 'get' | 'post';
  path: string;
  /** The role its guard demands; undefined when the route has no guard. */
  role: string | undefined;
  /** The path with sample values for its parameters. */
  url: string;
}

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean>; stack: { handle: { role?: string } }[] };
}

const SAMPLES: Record<string, string> = { period: '2025-01', id: '1', eventId: 'evt_unknown' };

/** Every route the console router registers, read from the router itself so new routes are covered. */
export function consoleRoutes(t: TestApp): ConsoleRoute[] {
  const router = adminRoutes(t.ctx) as Router & { stack: RouteLayer[] };
  const routes: ConsoleRoute[] = [];
  for (const layer of router.stack) {
    if (!layer.route) continue;
    const { path, methods, stack } = layer.route;
    for (const method of Object.keys(methods)) {
      if (method !== 'get' && method !== 'post') throw new Error(`unexpected method ${method} on ${path}`);
      const url = path.replace(/:(\w+)/g, (_m, name: string) => SAMPLES[name] ?? '1');
      routes.push({ method, path, role: stack[0]?.handle.role, url });
    }
  }
  return routes;
}

/** Open without a session: the password step, and the code step (which needs the session the password gave). */
export const PUBLIC_CONSOLE_PATHS = ['/admin/login', '/admin/login/code'];
