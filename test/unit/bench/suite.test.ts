import { describe, expect, it } from 'vitest';
import type { HttpClient } from '../../../lib/client/index.ts';
import { defineSection, SectionSkipped } from '../../../lib/bench/harness/section.ts';
import { inReportOrder } from '../../../lib/bench/harness/report.ts';
import { runSuite } from '../../../lib/bench/harness/suite.ts';
import { SECTIONS } from '../../../lib/bench/sections.ts';

const ran: string[] = [];
const stub = <N extends string>(name: N, where: 'process' | 'http' | 'local', run: (ctx: Parameters<Parameters<typeof defineSection>[0]['run']>[0]) => Promise<unknown>) =>
  defineSection({
    name,
    where,
    sizes: { full: { n: 10 }, quick: { n: 1 } },
    title: (size) => `${name} with ${size.n}`,
    run: async (ctx) => {
      ran.push(name);
      return run(ctx);
    },
    values: (_r, put) => put(`${name}.ran`, 1),
    quickNote: (quick, full) => `${name} runs ${quick.n} of ${full.n}`,
  });

const sections = [
  stub('alpha', 'process', async () => ({})),
  stub('beta', 'process', async () => {
    throw new SectionSkipped('it needs a thing that is not here');
  }),
  stub('gamma', 'http', async (ctx) => {
    ctx.topics.push('gamma-topic');
    await ctx.http!.request({ method: 'POST', path: '/v1/topics' });
    return {};
  }),
  stub('delta', 'local', async () => ({})),
];

describe('runSuite', () => {
  it('against an endpoint: runs what goes over HTTP, notes what was skipped and why, and deletes its topics', async () => {
    ran.length = 0;
    const requests: string[] = [];
    const endpoint = {
      endpoint: new URL('https://api.example.com'),
      request: async (r: { method: string; path: string }) => {
        requests.push(`${r.method} ${r.path}`);
        return { status: 200, headers: {}, body: Buffer.alloc(0) };
      },
    } as unknown as HttpClient;
    const stderr: string[] = [];

    const result = await runSuite({ quick: true, endpoint, stderr: { write: (s: string) => stderr.push(s) } }, sections);

    expect(ran).toEqual(['alpha', 'beta', 'gamma']);
    expect(result.values).toEqual({ 'alpha.ran': 1, 'gamma.ran': 1 });
    expect(requests).toEqual(['POST /v1/topics', 'DELETE /v1/topics/gamma-topic']);
    expect(result.meta).toMatchObject({ mode: 'endpoint', size: 'quick', endpoint: 'https://api.example.com/' });
    expect(result.meta.notes[0]).toBe('--quick: alpha runs 1 of 10; beta runs 1 of 10; gamma runs 1 of 10; fewer iterations throughout. Key names are unchanged.');
    expect(result.meta.notes).toContain('beta: skipped: it needs a thing that is not here.');
    expect(result.meta.notes.some((n) => n.startsWith('--endpoint:'))).toBe(true);
    expect(stderr).toContain('[1/3] alpha with 1…\n');
    expect(stderr).toContain('beta: skipped: it needs a thing that is not here.\n');
  });

  it('leaves out the sections it is told to skip', async () => {
    ran.length = 0;

    const endpoint = { endpoint: new URL('https://api.example.com') } as HttpClient;
    const result = await runSuite({ quick: false, endpoint, stderr: { write: () => true }, skip: ['alpha', 'beta', 'gamma'] }, sections);

    expect(ran).toEqual([]);
    expect(result.values).toEqual({});
  });
});

describe('the registry', () => {
  it('names each section once, and each section shows its targets as not run without figures', () => {
    const names = SECTIONS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const s of SECTIONS) {
      for (const row of s.targets?.({}) ?? []) {
        expect(row.value).toBe('n/a');
        expect('pass' in row).toBe(false);
      }
    }
  });

  it('runs the in-process sections first and reports in the established order', () => {
    expect(SECTIONS.map((s) => s.name)).toEqual(['codec', 'profile', 'produce', 'txn', 'hot', 'cost', 'idle', 'fetch', 'gateway', 'e2e', 'streams', 'compaction', 'compact']);
    expect(inReportOrder(SECTIONS).map((s) => s.name)).toEqual(['produce', 'txn', 'hot', 'gateway', 'codec', 'fetch', 'e2e', 'streams', 'compaction', 'compact', 'cost', 'idle', 'profile']);
  });
});
