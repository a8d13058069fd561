import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { count, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import {
  auditLog,
  cameraWeeks,
  camtrapDeployments,
  camtrapImports,
  camtrapProjects,
  orders,
} from '../../src/db/schema/index.js';
import {
  copyPackage,
  EXAMPLE_PACKAGE,
  editFile,
  entriesOf,
  writeParkPackage,
  writeZip,
} from '../helpers/camtrap-packages.js';
import { ImportJobs } from '../../src/camtrap/import-jobs.js';
import { createLogger } from '../../src/lib/logger.js';
import { COMMAND_LINE } from '../../src/staff/audit-log.js';
import { html } from '../helpers/html.js';
import { TestClock } from '../helpers/test-clock.js';
import { staffBrowser, type StaffBrowser } from '../helpers/staff-console.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { buy, tokenOf } from '../pages/shoppers.js';

const FIRST_DAY = Date.UTC(2027, 2, 1);
const PACKAGE_FILES = ['datapackage.json', 'deployments.csv', 'media.csv', 'observations.csv'];

const rowsIn = (t: TestApp, table: typeof camtrapDeployments | typeof camtrapImports | typeof camtrapProjects) =>
  t.ctx.db.select({ n: count() }).from(table).get()!.n;

/** Uploads still on disk (each in a folder of its own beside the database). */
const uploadDirs = (t: TestApp) => {
  const dir = path.join(path.dirname(t.ctx.config.databasePath), 'camtrap-uploads');
  return fs.existsSync(dir) ? fs.readdirSync(dir).length : 0;
};

/** Uploads files through the console's form, as a browser sends it: the CSRF token first. */
function upload(browser: StaffBrowser, files: string[], csrf = browser.csrf) {
  let request = browser.agent.post('/admin/camera-data/imports').field('_csrf', csrf);
  for (const file of files) request = request.attach('package', file);
  return request;
}

/** Uploads, waits for the import's worker, and follows the upload page to the import's report. */
async function uploadAndWait(t: TestApp, browser: StaffBrowser, files: string[]) {
  const res = await upload(browser, files);
  expect(res.status, res.text).toBe(303);
  expect(res.headers.location!).toMatch(/^\/admin\/camera-data\/uploads\/[\w-]+$/);
  await t.ctx.camtrapImports.settled();
  const done = await browser.get(res.headers.location!);
  expect(done.status).toBe(303);
  expect(done.headers.location!).toMatch(/^\/admin\/camera-data\/imports\/\d+$/);
  return browser.get(done.headers.location!);
}

describe('importing camera-trap data from the console', () => {
  it('imports a zip of the standard example on a worker, shows its progress page, its report and the project', async () => {
    const t = createTestApp();
    const browser = await staffBrowser(t, 'staff');
    const zip = await writeZip(entriesOf(EXAMPLE_PACKAGE));
    const res = await upload(browser, [zip]);
    expect(res.status).toBe(303);
    const watching = await browser.get(res.headers.location!);
    // Either still running (a progress page that refreshes itself) or already done.
    if (watching.status === 200) {
      expect(watching.text).toContain('<meta http-equiv="refresh" content="2">');
      expect(html(watching.text).text('progress')).toMatch(/^\d+%$/);
    } else expect(watching.status).toBe(303);
    await t.ctx.camtrapImports.settled();

    const report = await browser.get((await browser.get(res.headers.location!)).headers.location!);
    expect(report.status).toBe(200);
    const page = html(report.text);
    expect(page.text('#import-outcome')).toBe('imported');
    expect(page.rows('#changes tbody tr')).toEqual([
      ['Deployments', '4', '0', '0', '0'],
      ['Observations', '549', '0', '0', '0'],
    ]);
    expect(rowsIn(t, camtrapDeployments)).toBe(4);
    expect(uploadDirs(t)).toBe(0); // the upload is removed once imported

    const overview = html((await browser.get('/admin/camera-data')).text);
    expect(overview.rows('#imports tbody tr')[0]).toEqual([
      '1',
      expect.any(String),
      'package.zip',
      expect.any(String),
      'staff@socks.test',
      'deployments 4 added, 0 changed, 0 removed; 9 camera-weeks added',
    ]);
  });

  it('imports the four files of a package uploaded together', async () => {
    const t = createTestApp();
    const browser = await staffBrowser(t, 'staff');
    const report = await uploadAndWait(
      t,
      browser,
      PACKAGE_FILES.map((name) => path.join(EXAMPLE_PACKAGE, name)),
    );
    expect(html(report.text).text('#import-outcome')).toBe('imported');
    expect(rowsIn(t, camtrapDeployments)).toBe(4);
  });

  it('refuses a package that breaks the standard with a report naming file, row, field and rule, and writes nothing', async () => {
    const t = createTestApp();
    const browser = await staffBrowser(t, 'staff');
    const dir = copyPackage();
    editFile(dir, 'deployments.csv', (text) =>
      text.replace('2020-05-30T04:57:37+02:00,2020-07-01', '2020-05-30T04:57:37,2020-07-01'),
    );
    const report = await uploadAndWait(
      t,
      browser,
      PACKAGE_FILES.map((name) => path.join(dir, name)),
    );
    const page = html(report.text);
    expect(page.text('#import-outcome')).toBe('refused nothing was written');
    expect(page.rows('#problems tbody tr')).toEqual([
      ['deployments.csv', '2', 'deploymentStart', expect.stringContaining('offset')],
    ]);
    expect(rowsIn(t, camtrapDeployments)).toBe(0);
    expect(rowsIn(t, camtrapProjects)).toBe(0);
    expect(t.ctx.db.select().from(camtrapImports).get()?.status).toBe('refused');
  });

  it('refuses uploads that are not a package before writing anything, and leaves no file behind', async () => {
    const t = createTestApp();
    const browser = await staffBrowser(t, 'staff');
    const dir = copyPackage();
    const before = uploadDirs(t);
    const attempts: [string[], number, string][] = [
      [[path.join(dir, 'deployments.csv')], 400, 'no datapackage.json'],
      [[await writeZip(entriesOf(dir)), path.join(dir, 'media.csv')], 400, 'not both'],
      [[path.join(dir, 'LICENSE')], 400, 'is not a package file'],
      [[], 400, 'Choose a .zip'],
    ];
    for (const [files, status, message] of attempts) {
      const res = await upload(browser, files);
      expect(res.status, message).toBe(status);
      expect(res.text).toContain(message);
    }
    const forged = await upload(browser, [path.join(dir, 'datapackage.json')], 'not-the-token');
    expect(forged.status).toBe(403);
    expect(rowsIn(t, camtrapImports)).toBe(0);
    expect(uploadDirs(t)).toBe(before);
  });

  it('refuses a 2 GB upload from its Content-Length at once, and a chunked one as soon as it passes the limit', async () => {
    const t = createTestApp({ env: { CAMTRAP_UPLOAD_MAX_MB: '1' } });
    const browser = await staffBrowser(t, 'staff');
    const server = http.createServer(t.app).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    const send = (headers: Record<string, string>, body: Buffer) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/admin/camera-data/imports' });
        req.setHeader('Cookie', `socks_staff=${browser.cookie}`);
        for (const [name, value] of Object.entries(headers)) req.setHeader(name, value);
        req.on('response', (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, text }));
        });
        req.on('error', reject);
        req.write(body, () => req.end());
      });
    const boundary = 'x-boundary';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${browser.csrf}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="package"; filename="media.csv"\r\nContent-Type: text/csv\r\n\r\n`,
    );
    try {
      const declared = await send(
        { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': String(2 * 1024 ** 3) },
        head,
      );
      expect(declared.status).toBe(413);
      expect(declared.text).toContain('larger than the 1 MB the console accepts');
      const chunked = await send(
        { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Transfer-Encoding': 'chunked' },
        Buffer.concat([head, Buffer.alloc(2 * 1024 * 1024, 'a')]),
      );
      expect(chunked.status).toBe(413);
      expect(chunked.text).toContain('camtrap:import PATH');
    } finally {
      server.close();
    }
    expect(rowsIn(t, camtrapImports)).toBe(0);
    expect(uploadDirs(t)).toBe(0);
  });

  it('takes one import at a time', async () => {
    const t = createTestApp();
    const browser = await staffBrowser(t, 'staff');
    const first = await upload(browser, [await writeZip(entriesOf(EXAMPLE_PACKAGE))]);
    expect(first.status).toBe(303);
    // The worker is still starting: the job stays running until it has imported.
    const second = await upload(browser, [await writeZip(entriesOf(EXAMPLE_PACKAGE))]);
    expect(second.status).toBe(409);
    expect(second.text).toContain('is still running');
    const overview = html((await browser.get('/admin/camera-data')).text);
    expect(overview.text('#import-running')).toContain('package.zip, started by staff@socks.test');
    await t.ctx.camtrapImports.settled();
    expect(rowsIn(t, camtrapImports)).toBe(1);
  });
});

describe('projects and deployments in the console', () => {
  async function importedPark(t: TestApp) {
    const dir = writeParkPackage({
      firstDay: FIRST_DAY,
      deployments: [
        { id: 'KP-01', locationName: 'Kedrovaya Pad', startDay: 0, days: 17 },
        { id: 'BA-02', locationName: 'Barsovy', startDay: 2, days: 30, hasTimestampIssues: true },
      ],
      events: [],
    });
    const browser = await staffBrowser(t, 'admin');
    await uploadAndWait(t, browser, [await writeZip(entriesOf(dir))]);
    return browser;
  }

  it('lists deployments with their camera-weeks, the days left over, and coordinates only as the project allows', async () => {
    const t = createTestApp();
    const browser = await importedPark(t);
    const project = t.ctx.db.select().from(camtrapProjects).get()!;
    const url = `/admin/camera-data/projects/${project.id}`;
    const hidden = await browser.get(url);
    expect(html(hidden.text).rows('#deployments tbody tr')).toEqual([
      ['KP-01', 'Kedrovaya Pad', '2027-03-01 10:00 +10:00', '2027-03-18 10:00 +10:00', '2', '0', '3 days', '0', ''],
      [
        'BA-02',
        'Barsovy',
        '2027-03-03 10:00 +10:00',
        '2027-04-02 10:00 +10:00',
        '0',
        '0',
        '',
        '0',
        'timestamp issues: not used',
      ],
    ]);
    // Coordinates are 43.1… and 131.3…: not a digit of them on the page.
    expect(hidden.text).not.toMatch(/43\.\d|131\.\d/);

    const saved = await browser.post(url, { coordinatePolicy: 'rounded', photoHosts: 'media.example.org' });
    expect(saved.status).toBe(303);
    const rounded = html((await browser.get(url)).text);
    expect(rounded.rows('#deployments tbody tr').map((row) => row[2])).toEqual(['43.1, 131.3', '43.1, 131.3']);
    const audit = t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'camtrap.project_settings')).get()!;
    expect(JSON.parse(audit.after!)).toEqual({ coordinatePolicy: 'rounded', photoHosts: ['media.example.org'] });
  });

  it('refuses bad settings with a clear message and changes nothing', async () => {
    const t = createTestApp();
    const browser = await importedPark(t);
    const project = t.ctx.db.select().from(camtrapProjects).get()!;
    const url = `/admin/camera-data/projects/${project.id}`;
    for (const [form, message] of [
      [{ coordinatePolicy: 'exact', photoHosts: '' }, 'hidden or rounded'],
      [{ coordinatePolicy: 'hidden', photoHosts: 'https://media.example.org/photos' }, 'is not a host name'],
    ] as const) {
      const res = await browser.post(url, form);
      expect(res.status).toBe(400);
      expect(res.text).toContain(message);
    }
    expect(t.ctx.db.select().from(camtrapProjects).get()).toEqual(project);
  });
});

describe("a buyer's weeks in the console and on their page", () => {
  it("shows an order's trap-weeks with their camera-weeks, and a public photo only from an allowed https host", async () => {
    const t = createTestApp();
    const browser = await staffBrowser(t, 'admin');
    const p = await buy(t, { email: 'ada@example.org', pairsPerUnit: 2, createdSeconds: FIRST_DAY / 1000 });
    await t.settle();
    const dir = writeParkPackage({
      firstDay: FIRST_DAY,
      deployments: [{ id: 'KP-01', locationName: 'Kedrovaya Pad', startDay: 0, days: 7 }],
      events: [{ deploymentId: 'KP-01', at: 2.5, scientificName: 'Panthera pardus orientalis', photos: 2 }],
      hasEventLevel: true,
      photoBaseUrl: 'https://media.example.org/park',
    });
    await uploadAndWait(t, browser, [await writeZip(entriesOf(dir))]);
    await t.ctx.allocation.drain();

    const orderId = t.ctx.db.select().from(orders).where(eq(orders.checkoutSessionId, p.session.id)).get()!.id;
    const order = html((await browser.get(`/admin/orders/${orderId}`)).text);
    expect(order.rows('#order-trap-weeks tbody tr')).toEqual([
      ['1', 'on a camera-week', '1–7 March 2027', 'Kedrovaya Pad', '1'],
      ['2', 'funded ahead', '', '', ''],
    ]);

    const token = tokenOf(t, 'ada@example.org');
    const before = await t.http.get(`/impact/${token}`);
    expect(before.text).not.toContain('<img class="camera-week-photo"');
    expect(before.headers['content-security-policy']).toContain("img-src 'self';");

    const project = t.ctx.db.select().from(camtrapProjects).get()!;
    await browser.post(`/admin/camera-data/projects/${project.id}`, {
      coordinatePolicy: 'hidden',
      photoHosts: 'media.example.org',
    });
    const after = await t.http.get(`/impact/${token}`);
    expect(after.text).toContain(
      '<img class="camera-week-photo" src="https://media.example.org/park/m-0-0.jpg" alt="A leopard on the camera at Kedrovaya Pad, 1–7 March 2027"',
    );
    expect(after.headers['content-security-policy']).toContain("img-src 'self' https://media.example.org;");

    await browser.post(`/admin/camera-data/projects/${project.id}`, {
      coordinatePolicy: 'hidden',
      photoHosts: 'other.example.org',
    });
    expect((await t.http.get(`/impact/${token}`)).text).not.toContain('camera-week-photo"');
    expect(t.ctx.db.select({ n: count() }).from(cameraWeeks).get()!.n).toBe(1);
  });
});

describe('an import that fails for another reason than the package', () => {
  it('is reported as failed, writes nothing, and still removes its upload', async () => {
    const logged: string[] = [];
    const logger = createLogger('error', {}, (line) => logged.push(line));
    const jobs = new ImportJobs('/etc/hostname/socks.db', new TestClock(), logger, () => {
      throw new Error('an import that failed must not wake the allocator');
    });
    const dir = copyPackage();
    const job = jobs.start({ location: dir, sourceName: 'example', actor: COMMAND_LINE, uploadDir: dir });
    expect(jobs.running).toBe(job);
    await jobs.settled();
    expect(job.state).toBe('failed');
    expect(job.importId).toBeUndefined();
    expect(jobs.running).toBeUndefined();
    expect(fs.existsSync(dir)).toBe(false);
    expect(logged.some((line) => line.includes('camera-trap import failed'))).toBe(true);
  });
});
