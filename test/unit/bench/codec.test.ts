import { describe, expect, it } from 'vitest';
import { loadKafkajs, MissingDevDependency } from '../../../lib/bench/codec/kafkajs.ts';
import { runCodecBench } from '../../../lib/bench/codec/measure.ts';
import { SectionSkipped } from '../../../lib/bench/harness/section.ts';
import { measureCodec } from '../../../lib/bench/sections/codec.ts';

describe('runCodecBench', () => {
  it('measures both codecs and reports progress up to completion', async () => {
    const progress: number[] = [];

    const result = await runCodecBench({ records: 10, recordBytes: 64, seconds: 0.3, onProgress: (f) => progress.push(f) });

    for (const v of Object.values(result)) {
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThan(0);
    }
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });
});

describe('without kafkajs (an install without devDependencies)', () => {
  const notFound = async (specifier: string): Promise<never> => {
    throw Object.assign(new Error(`Cannot find package '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' });
  };

  it('loading the reference says which devDependency is missing and how to install it', async () => {
    const err = await loadKafkajs(notFound).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(MissingDevDependency);
    expect((err as Error).message).toMatch(/kafkajs, which is not installed \(a devDependency: npm ci or npm install --include=dev installs it\)/);
  });

  it('lets any other loading failure through as it is', async () => {
    const broken = async (): Promise<never> => {
      throw new SyntaxError('unexpected token');
    };

    await expect(loadKafkajs(broken)).rejects.toThrow(SyntaxError);
  });

  it('the codec section skips itself instead of failing the suite', async () => {
    const err = await measureCodec({ seconds: 0.1, peer: () => loadKafkajs(notFound) }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(SectionSkipped);
    expect((err as Error).message).toMatch(/^it compares against kafkajs, which is not installed/);
  });
});
