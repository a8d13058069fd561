import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import { projectPath } from '../../lib/project-root.js';

export const ASSETS_DIR = projectPath('views', 'assets');

const TYPES: Record<string, string> = { '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
  /** `site.css` → `site.1a2b3c4d5e.css`: a new file gets a new URL, so the old one may be cached forever. */
  fingerprinted: string;
}

let loaded: Map<string, Asset> | undefined;

/** The files in views/assets/, read once: a handful of small files, served from memory. */
function assets(): Map<string, Asset> {
  if (loaded) return loaded;
  loaded = new Map();
  for (const name of fs.readdirSync(ASSETS_DIR)) {
    const ext = path.extname(name);
    const type = TYPES[ext];
    if (!type) continue;
    const body = fs.readFileSync(path.join(ASSETS_DIR, name));
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 10);
    loaded.set(name, { body, type, etag: `"${hash}"`, fingerprinted: `${path.basename(name, ext)}.${hash}${ext}` });
  }
  return loaded;
}

/** The URL pages link to: fingerprinted, so browsers keep it until the file changes. */
export function assetUrl(name: string): string {
  const asset = assets().get(name);
  if (!asset) throw new Error(`no asset named ${name} in views/assets/`);
  return `/assets/${asset.fingerprinted}`;
}

/** What the layout links to, for app.locals. */
export function assetLocals(): { stylesheetUrl: string; iconUrl: string } {
  return { stylesheetUrl: assetUrl('site.css'), iconUrl: assetUrl('favicon.svg') };
}

export function assetsRoutes(): Router {
  const router = Router();
  const byUrlName = new Map<string, { asset: Asset; isFingerprinted: boolean }>();
  for (const [name, asset] of assets()) {
    byUrlName.set(name, { asset, isFingerprinted: false });
    byUrlName.set(asset.fingerprinted, { asset, isFingerprinted: true });
  }
  router.get('/assets/:file', (req, res, next) => {
    const found = byUrlName.get(req.params.file);
    if (!found) return next();
    const { asset, isFingerprinted } = found;
    res.set({
      'Content-Type': asset.type,
      ETag: asset.etag,
      'Cache-Control': isFingerprinted ? 'public, max-age=31536000, immutable' : 'public, max-age=300',
    });
    if (req.fresh) return void res.status(304).end();
    res.send(asset.body);
  });
  return router;
}
