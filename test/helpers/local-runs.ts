/** Driving the local platform in end-to-end tests: upload real flights rows and wait for the run they start. */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { LocalPlatform } from '../../local/platform';
import type { LocalExecution } from '../../local/stepfunctions-endpoint';
import { flights, flightsCsv } from './flights';

/** Upload the first `rows` flights rows to `key` and wait for the training run the upload rule starts to end (level 2+). */
export async function uploadAndRun(platform: LocalPlatform, key: string, rows: number): Promise<LocalExecution> {
  const known = new Set(platform.stepFunctions.executions.keys());
  await platform.s3.send(new PutObjectCommand({ Bucket: platform.buckets.data, Key: key, Body: flightsCsv(flights(rows)) }));
  for (let waited = 0; waited < 30_000; waited += 100) {
    const started = [...platform.stepFunctions.executions.values()].find((e) => !known.has(e.executionArn) && e.stateMachineArn === platform.stateMachineArn);
    if (started) {
      await started.done;
      return started;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no run started for ${key}`);
}

/** The executions of the environment's deploy state machine, in start order. */
export function deployExecutions(platform: LocalPlatform): LocalExecution[] {
  return [...platform.stepFunctions.executions.values()].filter((e) => e.stateMachineArn === platform.deployStateMachineArn);
}
