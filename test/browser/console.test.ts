// The web console in a real headless Chromium against a real dev server, as a user would
// go through it: create a topic, produce a record from the form, find it in the message
// browser by key, watch a group's lag rise and fall on the chart while a consumer runs,
// reset the group's offsets, pause and resume a connector and see a failing one
// highlighted, edit a config, delete the topic. The page must log no
// error, fail no request and call nothing but the dev server. Screenshots of every page
// go to test-artifacts/console/ (git-ignored).
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sluice } from '../../lib/client/index.ts';
import { UnknownTopicOrPartitionError } from '../../lib/core/errors.ts';
import { useDevServer } from '../integration/client/devServer.ts';
import { launchBrowser, type BrowserSession } from './chromium.ts';

// Functions given to page.evaluate and waitForFunction run in the page, not in Node; this
// file is compiled with Node's types, so the browser globals they use are declared here.
declare const document: {
  querySelector(selector: string): { textContent: string | null; getAttribute(name: string): string | null } | null;
  activeElement: { textContent: string | null } | null;
  body: { textContent: string | null };
  documentElement: unknown;
};
declare const location: { search: string };
declare function getComputedStyle(element: unknown): { backgroundColor: string; getPropertyValue(name: string): string };

const ARTIFACTS = new URL('../../test-artifacts/console/', import.meta.url).pathname;
const dev = useDevServer();
const topic = `console-${randomBytes(3).toString('hex')}`;
const group = `${topic}-billing`;
let session: BrowserSession;
let sluice: Sluice;

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  session = await launchBrowser();
  sluice = new Sluice({ endpoint: dev.url });
});
afterAll(async () => {
  await session?.close();
});

const page = () => session.page;
const shot = (name: string) => page().screenshot({ path: `${ARTIFACTS}${name}.png` });

async function open(path: string, title: string): Promise<void> {
  await page().goto(`${dev.url}${path}`, { waitUntil: 'domcontentloaded' });
  await heading(title);
}

/** Waits until the page's heading reads `title` (client-side navigation included). */
async function heading(title: string): Promise<void> {
  await page().waitForFunction((t) => document.querySelector('#page-title')?.textContent === t, {}, title);
}

async function waitForText(selector: string, pattern: RegExp): Promise<string> {
  const handle = await page().waitForFunction(
    (sel, src) => {
      const text = document.querySelector(sel)?.textContent ?? '';
      return new RegExp(src).test(text) ? text : false;
    },
    { timeout: 20_000 },
    selector,
    pattern.source,
  );
  return (await handle.jsonValue()) as string;
}

/** The newest value of a chart line, from its data table (the chart's text alternative). */
async function newestChartValue(key: string): Promise<number | undefined> {
  return page().evaluate((k) => {
    const cell = document.querySelector(`.chart-data tbody tr:first-child td[data-key="${k}"]`);
    const v = cell?.getAttribute('data-value');
    return v === null || v === undefined || v === '' ? undefined : Number(v);
  }, key);
}

async function waitForChartValue(key: string, ok: (v: number) => boolean): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const v = await newestChartValue(key);
    if (v !== undefined && ok(v)) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`chart line ${key} never reached the wanted value (last ${await newestChartValue(key)})`);
}

/** WCAG 2 contrast ratio of two #rrggbb colours. */
function contrast(a: string, b: string): number {
  const luminance = (hex: string) => {
    const [r, g, bl] = [1, 3, 5].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

/** Text colour on background, as the stylesheet pairs them. */
const TEXT_ON_BACKGROUND = [
  ['--fg', '--bg'], ['--fg', '--bg-alt'], ['--fg-muted', '--bg'], ['--fg-muted', '--bg-alt'],
  ['--accent', '--bg'], ['--accent', '--bg-alt'], ['--accent-fg', '--accent'], ['--bad', '--bad-bg'],
  ['--bad', '--bg'], ['--bg', '--bad'], ['--warn', '--warn-bg'], ['--fg', '--warn-bg'], ['--fg', '--bad-bg'], ['--ok', '--bg'],
] as const;

describe('web console', () => {
  it('opens on the overview, reachable by keyboard, with light and dark themes', async () => {
    await open('/console', 'Overview');
    await waitForText('.stats', /Topics\d+/);
    await page().keyboard.press('Tab');
    expect(await page().evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page().keyboard.press('Tab');
    expect(await page().evaluate(() => document.activeElement?.textContent)).toBe('Sluice');
    await shot('overview-start');

    await page().emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
    expect(await page().evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(20, 23, 27)');
    await shot('overview-dark');
    await page().emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
    expect(await page().evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(255, 255, 255)');
  });

  it('keeps every text colour at 4.5:1 contrast or more on its background, in both themes', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      await page().emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
      const colours = await page().evaluate((names) => {
        const style = getComputedStyle(document.documentElement);
        return Object.fromEntries(names.map((n) => [n, style.getPropertyValue(n).trim()]));
      }, [...new Set(TEXT_ON_BACKGROUND.flat())]);
      const low = TEXT_ON_BACKGROUND.filter(([fg, bg]) => contrast(colours[fg]!, colours[bg]!) < 4.5);
      expect({ scheme, low }).toEqual({ scheme, low: [] });
    }
    await page().emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
  });

  it('creates a topic with a config from the topics page', async () => {
    await open('/console/topics', 'Topics');
    await page().locator('summary::-p-text(Create a topic)').click();
    await page().locator('input[name="name"]').fill(topic);
    await page().locator('input[name="partitions"]').fill('2');
    await page().locator('button::-p-text(Add config)').click();
    await page().locator('::-p-aria(Config 1)').fill('retention.ms');
    await page().locator('::-p-aria(Value 1)').fill('3600000');
    await shot('topics');
    await page().locator('button::-p-text(Create topic)').click();
    await heading(`Topic ${topic}`);
    const partitionRows = '::-p-xpath(//table[caption="Partitions"]/tbody/tr)';
    await page().waitForSelector(partitionRows);
    expect(await page().$$eval(partitionRows, (rows) => rows.map((r) => r.querySelector('td')?.textContent))).toEqual(['0', '1']);
    const described = await sluice.admin().describeTopic(topic);
    expect(described.partitions).toHaveLength(2);
    expect(described.config['retention.ms']).toBe('3600000');
  });

  it('produces a record with key, JSON value, header and partition from the form', async () => {
    // Other records around it, so finding it takes a search.
    await sluice.records().produce(topic, Array.from({ length: 40 }, (_, i) => ({ key: `user-${i}`, value: { n: i } })));
    await page().locator('a::-p-text(Produce)').click();
    await heading(`Produce to ${topic}`);
    await page().locator('input[name="key"]').fill('console-key');
    await page().locator('textarea[name="value"]').fill('{"hello":"console","amount":42}');
    await page().select('select[name="partition"]', '1');
    await page().locator('button::-p-text(Add header)').click();
    await page().locator('::-p-aria(Header 1)').fill('source');
    await page().locator('::-p-aria(Header value 1)').fill('browser');
    await page().locator('button::-p-text(Produce record)').click();
    const status = await waitForText('.notice', /Produced to partition 1 at offset \d+/);
    await shot('produce');
    const offset = Number(/offset (\d+)/.exec(status)![1]);
    const back = await sluice.records().fetch(topic, 1, { offset, maxRecords: 1 });
    expect(back.records[0]).toMatchObject({ key: 'console-key', value: { hello: 'console', amount: 42 }, headers: { source: 'browser' } });
  });

  it('finds the record in the message browser by its key, pretty-printed, with a permalink', async () => {
    await open(`/console/topics/${topic}/messages`, `Messages in ${topic}`);
    await page().select('select[name="from"]', 'earliest');
    await page().locator('input[name="key"]').fill('console-key');
    await page().locator('button::-p-text(Find records)').click();
    await waitForText('[role="status"]', /^1 record shown/);
    const row = await page().$eval('.messages tbody tr', (tr) => ({
      partition: tr.getAttribute('data-partition'),
      key: tr.querySelector('.record-key')?.textContent,
      value: tr.querySelector('.record-value')?.textContent,
      headers: tr.querySelector('.record-headers')?.textContent,
      permalink: tr.querySelector('a')?.getAttribute('href'),
    }));
    expect(row).toMatchObject({ partition: '1', key: 'console-key', value: '{\n  "hello": "console",\n  "amount": 42\n}', headers: 'source=browser' });
    await shot('messages');

    // The permalink opens the browser at that record, highlighted.
    await page().locator('.messages tbody tr a').click();
    await page().waitForFunction(() => location.search.includes('from=offset'));
    await waitForText('.messages tr.linked .record-key', /^console-key$/);
  });

  it("shows a group's lag rising and falling on the live chart while a consumer runs", async () => {
    let release: () => void = () => {};
    let gate: Promise<void> = Promise.resolve();
    const consumer = sluice.consumer({ groupId: group, topics: [topic], fromBeginning: true, autoCommitIntervalMs: 200, waitMs: 500 });
    let consumed = 0;
    const running = consumer.run({
      eachRecord: async () => {
        await gate;
        consumed++;
      },
    });
    try {
      await open('/console/groups', 'Consumer groups');
      await page().locator(`a::-p-text(${group})`).click();
      await heading(`Group ${group}`);
      await waitForChartValue('lag', (v) => v === 0);

      gate = new Promise((resolve) => (release = resolve));
      await sluice.records().produce(topic, Array.from({ length: 150 }, (_, i) => ({ key: `burst-${i}`, value: i })));
      const peak = await waitForChartValue('lag', (v) => v >= 100);
      expect(peak).toBeLessThanOrEqual(150);

      release();
      await waitForChartValue('lag', (v) => v === 0);
      const history = await page().$$eval('.chart-data td[data-key="lag"]', (cells) => cells.map((c) => Number(c.getAttribute('data-value'))));
      expect(Math.max(...history)).toBeGreaterThanOrEqual(100);
      await shot('group');
    } finally {
      release();
      await consumer.close();
      await running;
    }
    expect(consumed).toBeGreaterThanOrEqual(191);
  });

  it("resets the empty group's offsets to the earliest, after confirming", async () => {
    await waitForText('.stats', /StateEmpty/);
    await page().select('select[name="reset-to"]', 'earliest');
    await page().locator('button::-p-text(Reset offsets…)').click();
    await page().locator('dialog[open] button[type="submit"]').click();
    await waitForText('.notice', /Reset 2 partitions/);
    const described = await sluice.admin().describeGroup(group);
    expect(described.lag).toBe(191);
  });

  it('sums topics, throughput and lagging groups on the overview', async () => {
    await open('/console', 'Overview');
    await waitForText('.stats', /Topics[1-9]/);
    await waitForText('#card-groups', /1 lagging/);
    // Traffic while the page samples: records/s in rises above zero.
    let producing = true;
    const traffic = (async () => {
      for (let i = 0; producing && i < 40; i++) {
        await sluice.records().produce(topic, Array.from({ length: 25 }, (_, j) => ({ key: `t-${i}-${j}`, value: j })));
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    try {
      await waitForChartValue('in', (v) => v > 0);
      await new Promise((r) => setTimeout(r, 4_500));
      await shot('overview');
    } finally {
      producing = false;
      await traffic;
    }
  });

  it('lists a failing subscription, highlighted, with its dead letters', async () => {
    // Nothing listens on port 9: every delivery fails and, with no retries, is dead-lettered.
    await sluice.subscriptions().create(topic, { name: 'audit', target: { type: 'http', url: 'http://127.0.0.1:9/hook' }, startingPosition: 'earliest', maxRetries: 0, batchSize: 500 });
    await open('/console/subscriptions', 'Subscriptions');
    await waitForText('tr.bad', /audit.*failing/);
    await shot('subscriptions');
    await page().locator('a::-p-text(audit)').click();
    await heading('Subscription audit');
    await waitForText('main', /Dead letters[\s\S]*ECONNREFUSED/);
    await shot('subscription');
    await sluice.subscriptions().delete(topic, 'audit');
  });

  describe('connectors', () => {
    let dir: string;
    const archive = `${topic}-archive`;
    const strict = `${topic}-strict`;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'sluice-console-'));
    });
    afterAll(async () => {
      for (const name of [archive, strict]) await sluice.connectors().delete(name).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    });

    it('lists a running connector, pauses it and resumes it from its page', async () => {
      const strings = { 'key.converter': 'StringConverter', 'value.converter': 'StringConverter' };
      await sluice.connectors().create({ name: archive, config: { 'connector.class': 'FileStreamSink', topics: topic, file: join(dir, 'out.txt'), ...strings } });
      await open('/console/connectors', 'Connectors');
      await waitForText('tbody', new RegExp(`${archive}FileStreamSinksinkRUNNING0: RUNNING`));
      await shot('connectors');
      await page().locator(`a::-p-text(${archive})`).click();
      await heading(`Connector ${archive}`);
      await waitForText('.stats', /StateRUNNING/);

      await page().locator('button::-p-text(Pause)').click();
      await waitForText('.notice', /Paused/);
      await waitForText('.stats', /StatePAUSED/);
      expect((await sluice.connectors().status(archive)).connector.state).toBe('PAUSED');

      await page().locator('button::-p-text(Resume)').click();
      await waitForText('.notice', /Resumed/);
      await waitForText('.stats', /StateRUNNING/);
      expect((await sluice.connectors().status(archive)).connector.state).toBe('RUNNING');
      await waitForText('main', /Last errorNo error\./);
      await shot('connector');
    });

    it('highlights a failing connector on the overview, with its error trace on its page', async () => {
      // The topic's keys are plain text: the default JsonConverter cannot read them, and
      // with errors.tolerance none the task fails.
      await sluice.connectors().create({ name: strict, config: { 'connector.class': 'FileStreamSink', topics: topic, file: join(dir, 'strict.txt') } });
      await open('/console', 'Overview');
      await waitForText('#card-connectors', /1 failing/);
      await waitForText('.card tr.bad', new RegExp(`${strict}.*FAILED`));
      await page().locator(`.card a::-p-text(${strict})`).click();
      await heading(`Connector ${strict}`);
      await waitForText('details.trace', /Task 0 failed[\s\S]*DataException/);
      await shot('connector-failed');
      await page().locator('button::-p-text(Restart…)').click();
      await page().locator('dialog[open] button[type="submit"]').click();
      await waitForText('.notice', /Restarted/);
    });
  });

  it("edits the topic's config and sees it saved", async () => {
    await open(`/console/topics/${topic}`, `Topic ${topic}`);
    await page().waitForSelector('.chart-canvas .uplot');
    await shot('topic');
    await page().locator('input[name="retention.ms"]').fill('7200000');
    await page().locator('button::-p-text(Save changes)').click();
    await waitForText('.notice', /Saved retention\.ms/);
    expect((await sluice.admin().describeTopic(topic)).config['retention.ms']).toBe('7200000');
  });

  it('deletes the topic after its name is typed to confirm', async () => {
    await page().locator('button::-p-text(Delete…)').click();
    const confirm = page().locator('dialog[open] button[type="submit"]');
    expect(await page().$eval('dialog[open] button[type="submit"]', (b) => (b as unknown as { disabled: boolean }).disabled)).toBe(true);
    await page().locator('dialog[open] input').fill(topic);
    await confirm.click();
    await heading('Topics');
    await expect(sluice.admin().describeTopic(topic)).rejects.toBeInstanceOf(UnknownTopicOrPartitionError);
    await page().waitForFunction((t) => !document.body.textContent?.includes(t), {}, topic);
  });

  it('logged no error, failed no request and called only its own origin', () => {
    expect(session.problems).toEqual([]);
    expect([...session.origins]).toEqual([new URL(dev.url).origin]);
  });
});
