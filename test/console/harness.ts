// End-to-end harness for the console: a real `omnis serve` process with its own data folder,
// Debian's Chromium through playwright-core, and screenshots kept as test artifacts.
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { newDataDir, startServerProcess, type ServerProcess } from '../../src/testing/index.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'console');
export const ADMIN = { email: 'admin@omnis.test', password: 'correct horse battery staple' };
export const KEYS = { write: 'wk_console_e2e_0123456789abcdef', admin: 'ak_console_e2e_0123456789abcdef' };

/** Why the console suites cannot run here, or null. In CI a missing Chromium is a failure. */
export function chromiumProblem(): string | null {
  if (existsSync(CHROMIUM)) return null;
  const msg = `Chromium not found at ${CHROMIUM} (apt-get install -y chromium); console end-to-end tests need it`;
  if (process.env.CI) throw new Error(msg);
  console.warn(`\n*** SKIPPING console end-to-end tests: ${msg} ***\n`);
  return msg;
}

export interface Console {
  server: ServerProcess; url: string; browser: Browser;
  /** A fresh page (own cookies) signed in as `who` (default the admin). */
  signedIn(who?: { email: string; password: string }): Promise<Page>;
  newPage(): Promise<Page>;
  /** Saves test-artifacts/console/<name>.png. */
  shot(page: Page, name: string): Promise<void>;
  /** Management API as the admin key. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** Tracking API as the write key. */
  track(path: string, body: unknown): Promise<void>;
  /** Waits until the pipeline has processed everything accepted. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function startConsole(env: Record<string, string> = {}): Promise<Console> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const dir = await newDataDir('omnis-console-');
  const server = await startServerProcess({
    OMNIS_DATA_DIR: dir, OMNIS_WRITE_KEY: KEYS.write, OMNIS_ADMIN_KEY: KEYS.admin,
    OMNIS_ADMIN_EMAIL: ADMIN.email, OMNIS_ADMIN_PASSWORD: ADMIN.password, DATABASE_URL: '', ...env,
  });
  const url = server.url;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const api = async <T,>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}${path.startsWith('/') ? path : `/api/v1/${path}`}`, {
      method, headers: { authorization: `Bearer ${KEYS.admin}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  const newPage = async () => {
    const ctx = await browser.newContext({ baseURL: url, viewport: { width: 1400, height: 900 } });
    return ctx.newPage();
  };
  return {
    server, url, browser, api, newPage,
    async signedIn(who = ADMIN) {
      const page = await newPage();
      await page.goto('/login');
      await page.fill('input[type=email]', who.email);
      await page.fill('input[type=password]', who.password);
      await page.click('button[type=submit]');
      await page.waitForURL(u => !u.pathname.startsWith('/login'));
      return page;
    },
    async shot(page, name) { await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true }); },
    async track(path, body) {
      const res = await fetch(`${url}/v1/${path}`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${KEYS.write}:`).toString('base64')}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`POST /v1/${path}: ${res.status} ${await res.text()}`);
    },
    async settle() {
      for (let i = 0; i < 600; i++) {
        const h = await api<{ lag: number }>('GET', '/api/v1/health');
        if (h.lag === 0) return;
        await new Promise(r => setTimeout(r, 50));
      }
      throw new Error('pipeline did not settle');
    },
    async close() {
      await browser.close().catch(() => {});
      server.child.kill('SIGTERM');
      await Promise.race([server.exited, new Promise(r => setTimeout(r, 5000))]);
      server.child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until the locator's text is `want` (or matches it), so a test waits on what the user would see. */
export async function textIs(l: Locator, want: string | RegExp, timeout = 15_000) {
  const until = Date.now() + timeout;
  let last: string | null = null;
  while (Date.now() < until) {
    last = await l.textContent({ timeout: 1000 }).catch(() => null);
    if (last !== null && (typeof want === 'string' ? last.trim() === want : want.test(last))) return;
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error(`expected ${String(want)}, last saw ${JSON.stringify(last)}`);
}
