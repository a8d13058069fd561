import express from 'express';
import { serveForBench } from './serve.js';

/**
 * The baseline: bare Express doing the least the real routes must also do (read the raw body,
 * answer JSON), in its own process like the app, so both get the same footing.
 */
const app = express();
app.disable('x-powered-by');
app.post('/webhooks/stripe', express.raw({ type: () => true, limit: '512kb' }), (_req, res) => {
  res.json({ received: true, duplicate: false });
});
// The same least for a mail provider's bounce notice (bench/email-feedback.ts).
app.post('/webhooks/email/generic', express.raw({ type: () => true, limit: '256kb' }), (_req, res) => {
  res.json({ received: true, stored: 1, duplicates: 0 });
});
const impact = {
  pairs: 0,
  trapWeeks: 0,
  supporters: 0,
  census: { date: '2024-01-01', adults: 84, adolescents: 7, cubs: 12, total: 103 },
};
app.get('/api/impact', (_req, res) => {
  res.json(impact);
});

serveForBench(app);
