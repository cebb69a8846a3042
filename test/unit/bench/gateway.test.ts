import { describe, expect, it } from 'vitest';
import { MissingDevDependency } from '../../../lib/bench/harness/devDependency.ts';
import { Progress } from '../../../lib/bench/harness/progress.ts';
import { SectionSkipped } from '../../../lib/bench/harness/section.ts';
import { loadKafkaClient, runGatewayBench } from '../../../lib/bench/sections/gateway.ts';

const notFound = async (specifier: string): Promise<never> => {
  throw Object.assign(new Error(`Cannot find package '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' });
};
const size = { records: 10, producers: 1, recordsPerSend: 10, recordBytes: 64 };
const ctx = () => ({ progress: new Progress({ write: () => true }, 1), quick: true, runId: 'test', topics: [] as string[] });

describe('the gateway section', () => {
  it('without kafkajs (an install without devDependencies) skips itself, saying which package is missing', async () => {
    const err = await runGatewayBench(ctx(), size, notFound).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(SectionSkipped);
    expect((err as Error).message).toMatch(/^it drives the gateway with kafkajs, which is not installed \(a devDependency/);
    expect((err as Error).cause).toBeInstanceOf(MissingDevDependency);
  });

  it('lets any other loading failure through as it is', async () => {
    const broken = async (): Promise<never> => {
      throw new SyntaxError('unexpected token');
    };

    await expect(loadKafkaClient(broken)).rejects.toThrow(SyntaxError);
  });

  it('skips itself when the platform runs no Kafka gateway', async () => {
    const local = { server: { kafkaPort: undefined } };

    const err = await runGatewayBench({ ...ctx(), local } as never, size).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(SectionSkipped);
    expect((err as Error).message).toBe('the local platform runs no Kafka gateway');
  });
});
