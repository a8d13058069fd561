import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import type { TestApp } from './test-app.js';

/** Debian's chromium, driven by playwright-core. */
export const CHROMIUM = '/usr/bin/chromium';

/** Starts headless Chromium; a missing browser is a failure, never a skip. */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Serves a test app on a free port; returns its base URL and a way to stop serving. */
/** Serves the app on a free port, as the server does: the link form's requests are worked through in the background. */
export async function listen(t: TestApp): Promise<{ base: string; stop(): Promise<void> }> {
  t.ctx.linkRequests.start();
  const server = t.app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
