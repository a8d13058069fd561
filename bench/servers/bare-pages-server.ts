import fs from 'node:fs';
import express from 'express';
import { serveForBench } from './serve.js';

/**
 * The baseline for the page routes: bare Express answering the same paths with the same bytes the
 * app sent (captured from the app before the run), so the difference is what the app does to make
 * them: middleware, queries, rendering.
 */
type Captured = Record<'home' | 'impact' | 'badge', { type: string; body: string }>;
const captured = JSON.parse(fs.readFileSync(process.env.BENCH_PAGE_BODIES!, 'utf8')) as Captured;

const app = express();
app.disable('x-powered-by');
app.get('/', (_req, res) => {
  res.type(captured.home.type).send(captured.home.body);
});
app.get('/impact/:token', (_req, res) => {
  res.type(captured.impact.type).send(captured.impact.body);
});
app.get('/badge.svg', (_req, res) => {
  res.type(captured.badge.type).send(captured.badge.body);
});

serveForBench(app);
