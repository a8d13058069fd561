import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Secrets the app makes for itself where none is configured, outside production only. */
export interface DevelopmentSecrets {
  stripeWebhookSecret: string;
  sessionSecret: string;
}

export const DEVELOPMENT_SECRETS_FILE = 'development-secrets.json';

/**
 * The data directory's own secrets, made at random the first time they are needed and kept in a
 * file only its owner can read (0600), so `npm start` and `npm run cli -- simulate:purchase`
 * sign and verify with the same secret, and nobody else can: a secret printed in the source would
 * let anyone forge purchases. Written under a temporary name and linked into place, so two
 * processes starting together agree on one file.
 */
export function readOrCreateDevelopmentSecrets(dataDir: string): DevelopmentSecrets {
  const file = path.join(dataDir, DEVELOPMENT_SECRETS_FILE);
  const existing = readSecretsFile(file);
  if (existing) return existing;
  fs.mkdirSync(dataDir, { recursive: true });
  const fresh: DevelopmentSecrets = {
    stripeWebhookSecret: `whsec_dev_${randomBytes(24).toString('base64url')}`,
    sessionSecret: randomBytes(32).toString('base64url'),
  };
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  fs.writeFileSync(temporary, `${JSON.stringify(fresh, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(temporary, file); // fails if another process got there first: then theirs is the one
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    fs.rmSync(temporary, { force: true });
  }
  return readSecretsFile(file)!;
}

function readSecretsFile(file: string): DevelopmentSecrets | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<DevelopmentSecrets>;
  if (typeof parsed.stripeWebhookSecret !== 'string' || typeof parsed.sessionSecret !== 'string') {
    throw new Error(`${file} is not a development secrets file; delete it and a new one is made`);
  }
  if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600); // copied in with looser permissions
  return { stripeWebhookSecret: parsed.stripeWebhookSecret, sessionSecret: parsed.sessionSecret };
}

/**
 * SHA-256 of every secret-like value this project has ever published: the old development
 * defaults, and the secrets of its tests and benchmarks. Anyone can read them, so production
 * refuses them. A test scans the repository for such values and fails if one is missing here.
 */
const PUBLISHED_SECRET_HASHES = new Set([
  'e553722efd14d02378574373d63def2b6bae8383e7678e941b1697115fc05110', // the old development webhook secret
  '346659d3df06654cc1e95753b31ca95e23577729e4829ddf820d2f28c292df83', // the old development session secret
  '52b4762d656824bd2a83ebd9cafcdf14234b9dc5f8229c08f4bdf14c84316f30', // the test suite's webhook secret
  '3d7b280a16f0b37667e0031811d49e9199fd5d8454ee1864ec86183519cf866c', // the benchmarks' webhook secret
  'b58d14e19f990d34f3099c96bb27835684e2fd2a5a4cd91e52bc069506a706e5', // the benchmarks' session secret
  '8f4db4d3d920a31d133bb652967ebe3cd536226d08695aacf7b37e414546cd35', // tests' secrets, from here on
  'fce7bc2f2479d965def4aa6977dd4adf476403d55cfe1a3c89b692e59e2dd394',
  '25a3d7e7e6c1a4e78732917e59ab66e24d570a6ea03d34c2210f85756e2ea751',
  'd024c29ace6f1418b497d5f5f5a7c871888639c36e5c88f67b42b09f212607de',
  'a3b3ec0352890b964f71619eb31c563406fe4f0c671839539d5703f3b02bd5f1',
  '52bfd2de0a2e69dff4517518590ac32a46bd76606ec22a258f99584a6e70aca2',
  'ae448ac86c4e8e4dec645729708ef41873ae79c6dff84eff73360989487f08e5',
  '531854cef641648c7817441c3a04ae025e91d882aa1ac318057cba7e979b2140',
  'e33cdf9c7f7120b98e8c78408953e07f2ecd183006b5606df349b4c212acf43e',
]);

/** True for a value this project has published (see PUBLISHED_SECRET_HASHES). */
export function isPublishedSecret(value: string): boolean {
  return PUBLISHED_SECRET_HASHES.has(createHash('sha256').update(value).digest('hex'));
}
