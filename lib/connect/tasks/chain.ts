// The transformation chain run under the error policy: each stage is one TRANSFORMATION
// operation, reported with the stage's class when it fails (as Kafka's
// TransformationChain with its RetryWithToleranceOperator).
import type { ConnectRecord } from '../data/record.ts';
import type { Attempt, RetryWithToleranceOperator } from '../errors/operator.ts';
import { stageApplies, type TransformationStage } from '../transforms/chain.ts';

/** The record after every stage (null: dropped), or the report of the stage that failed. */
export async function applyChainStage<R extends ConnectRecord>(
  stages: readonly TransformationStage[],
  op: RetryWithToleranceOperator,
  record: R,
): Promise<Attempt<R | null>> {
  let current: R | null = record;
  for (const stage of stages) {
    if (current === null) break;
    const input: R = current;
    const step = await op.execute('TRANSFORMATION', stage.className, () => (stageApplies(stage, input) ? stage.transformation.apply(input) : input));
    if (!step.ok) return step;
    current = step.value;
  }
  return { ok: true, value: current };
}
