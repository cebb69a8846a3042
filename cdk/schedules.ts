// Schedules: an EventBridge rule per scheduled function of FUNCTIONS, firing it every
// `scheduleMinutes` (maintenance passes, the dispatcher's sweep). The function's schedule
// adapter (lib/runtime/schedule.ts) reads the same interval to tell a run when the one
// before it was due. No retries: a failed run is followed by the next one an interval later.
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { FUNCTIONS, type FunctionName } from '../lib/api/routes.ts';
import { pascal } from './ids.ts';

export function addSchedules(scope: Construct, functions: Record<FunctionName, lambda.IFunction>): events.Rule[] {
  return (Object.keys(FUNCTIONS) as FunctionName[]).flatMap((name) => {
    const minutes = FUNCTIONS[name].scheduleMinutes;
    if (!minutes) return [];
    return new events.Rule(scope, `${pascal(name)}Schedule`, {
      description: `Runs the Sluice ${name} function every ${minutes} minutes`,
      schedule: events.Schedule.rate(Duration.minutes(minutes)),
      targets: [new eventsTargets.LambdaFunction(functions[name], { retryAttempts: 0 })],
    });
  });
}
