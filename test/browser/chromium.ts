// Headless Chromium for the browser tests: the binary shipped inside the npm package
// @sparticuz/chromium (x64 Linux; unpacked to /tmp on first use, a few seconds), driven
// by puppeteer-core. `npm ci` is all a machine needs: no browser download, no system
// Chromium. Every launch gets a fresh profile, and the page's console errors, uncaught
// exceptions, failed requests and every request's origin are recorded for the test.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export interface BrowserSession {
  browser: Browser;
  page: Page;
  /** console.error/warn messages, uncaught exceptions and failed requests, as text. */
  problems: string[];
  /** Origin of every request the page made. */
  origins: Set<string>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<BrowserSession> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'sluice-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: await chromium.executablePath(),
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // A C/POSIX locale would make navigator.language "en-US@posix", which Intl rejects.
      '--lang=en-US',
      `--user-data-dir=${userDataDir}`,
    ],
    env: { ...process.env, LANG: 'en_US.UTF-8' },
  });
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 860 });
  const problems: string[] = [];
  const origins = new Set<string>();
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn') problems.push(`console.${m.type()}: ${m.text()} ${JSON.stringify(m.location())}`);
  });
  page.on('pageerror', (err) => problems.push(`uncaught: ${(err as Error).message}`));
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.method()} ${req.url()} ${req.failure()?.errorText ?? ''}`));
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.request().method()} ${res.url()}`);
  });
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (url.protocol !== 'data:') origins.add(url.origin);
  });
  return {
    browser,
    page,
    problems,
    origins,
    close: async () => {
      await browser.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
