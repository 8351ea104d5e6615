/**
 * The upload trigger: one execution per object version, named deterministically, so a duplicated or
 * replayed EventBridge event starts nothing new. aws-sdk-client-mock stands in for the Step Functions
 * API (StartExecution refuses a second execution of the same name with ExecutionAlreadyExists).
 */
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { executionName } from '../../lambda/core/runs/execution-name';
import { partsExecutionName } from '../../lambda/core/validation/dataset-parts';

const sfn = mockClient(SFNClient);
const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:flights-dev-training';

function objectCreated(key: string, versionId?: string): unknown {
  return {
    'detail-type': 'Object Created',
    source: 'aws.s3',
    detail: { bucket: { name: 'flights-dev-data' }, object: { key, ...(versionId ? { 'version-id': versionId } : {}), size: 10 } },
  };
}

let trigger: typeof import('../../lambda/handlers/trigger');

beforeAll(async () => {
  process.env.STATE_MACHINE_ARN = ARN;
  trigger = await import('../../lambda/handlers/trigger');
});

beforeEach(() => sfn.reset());

describe('trigger', () => {
  test('an upload starts one execution named after bucket, key and version, with the run input', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:x` });

    // Act
    const result = await trigger.handler(objectCreated('incoming/2001/flights+q1.csv', 'v1'));

    // Assess
    const name = executionName('flights-dev-data', 'incoming/2001/flights+q1.csv', 'v1');
    expect(result).toEqual({ started: true, executionName: name, reason: 'started' });
    const input = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(input.name).toBe(name);
    expect(input.name).toMatch(/^run-flights-q1-[0-9a-f]{20}$/);
    // EventBridge keys are not URL-encoded: the '+' is part of the key.
    expect(JSON.parse(input.input!)).toEqual({ runId: name, bucket: 'flights-dev-data', key: 'incoming/2001/flights+q1.csv', versionId: 'v1', trigger: 'upload' });
  });

  test('a duplicated event starts nothing new: ExecutionAlreadyExists is success', async () => {
    // Prepare
    sfn
      .on(StartExecutionCommand)
      .resolvesOnce({ executionArn: `${ARN}:x` })
      .rejectsOnce(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));

    // Act
    const first = await trigger.handler(objectCreated('incoming/a.csv', 'v7'));
    const again = await trigger.handler(objectCreated('incoming/a.csv', 'v7'));

    // Assess
    expect(first.started).toBe(true);
    expect(again).toEqual({ started: false, executionName: first.executionName, reason: 'duplicate: an execution for this object version exists' });
  });

  test('a new version of the same key is a new run', () => {
    // Assess
    expect(executionName('b', 'incoming/a.csv', 'v1')).not.toBe(executionName('b', 'incoming/a.csv', 'v2'));
    expect(executionName('b', 'incoming/a.csv', 'v1')).toBe(executionName('b', 'incoming/a.csv', 'v1'));
    expect(executionName('b', `incoming/${'x'.repeat(200)}.csv`).length).toBeLessThanOrEqual(80);
  });

  test('objects outside incoming/ and folder markers are ignored without a start', async () => {
    // Act
    const outside = await trigger.handler(objectCreated('validated/r1/a.csv'));
    const folder = await trigger.handler(objectCreated('incoming/2001/'));

    // Assess
    expect(outside.started).toBe(false);
    expect(folder.started).toBe(false);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  test('a file inside a folder that is not a part folder is still a single-file run', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:x` });

    // Act
    const result = await trigger.handler(objectCreated('incoming/2001/q1/flights.csv', 'v1'));

    // Assess
    expect(result.started).toBe(true);
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!)).not.toHaveProperty('parts');
  });

  test.each(['_SUCCESS', '_manifest.json'] as const)('a %s marker starts one run over its folder, named after bucket, marker key and version', async (marker) => {
    // Prepare
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:x` });
    const key = `incoming/2001/q1-export/${marker}`;

    // Act
    const result = await trigger.handler(objectCreated(key, 'm1'));

    // Assess
    const name = partsExecutionName('flights-dev-data', key, 'm1');
    expect(name).toMatch(/^run-q1-export-[0-9a-f]{20}$/);
    expect(result).toEqual({ started: true, executionName: name, reason: 'started' });
    const input = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(input.name).toBe(name);
    expect(JSON.parse(input.input!)).toEqual({
      runId: name,
      bucket: 'flights-dev-data',
      key,
      versionId: 'm1',
      trigger: 'upload',
      parts: { prefix: 'incoming/2001/q1-export/', marker },
    });
  });

  test('a duplicated marker event starts nothing new', async () => {
    // Prepare
    sfn
      .on(StartExecutionCommand)
      .resolvesOnce({ executionArn: `${ARN}:x` })
      .rejectsOnce(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));

    // Act
    const first = await trigger.handler(objectCreated('incoming/exp/_SUCCESS', 'm1'));
    const again = await trigger.handler(objectCreated('incoming/exp/_SUCCESS', 'm1'));

    // Assess
    expect(first.started).toBe(true);
    expect(again).toEqual({ started: false, executionName: first.executionName, reason: 'duplicate: an execution for this marker version exists' });
  });

  test.each([
    ['incoming/exp/part-00000.csv', /part file; the run starts when its folder's _SUCCESS or _manifest\.json arrives/],
    ['incoming/exp/_temporary/0/task/part-00000.csv', /inside a hidden or metadata folder \('_temporary\/'\)/],
    ['incoming/exp/_temporary/0/_SUCCESS', /inside a hidden or metadata folder \('_temporary\/'\)/],
    ['incoming/exp/.part-00000.csv.crc', /hidden or metadata file/],
    ['incoming/exp/_committed_1', /hidden or metadata file/],
  ])('%s starts nothing, and the reason says why', async (key, reason) => {
    // Act
    const result = await trigger.handler(objectCreated(key, 'v1'));

    // Assess
    expect(result.started).toBe(false);
    expect(result.reason).toMatch(reason);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  test('an event that is not an S3 Object Created event is an InvalidTriggerEventError', async () => {
    // Act
    const call = trigger.handler({ 'detail-type': 'Object Deleted', source: 'aws.s3', detail: {} });

    // Assess
    await expect(call).rejects.toThrow(trigger.InvalidTriggerEventError);
    await expect(call).rejects.toThrow(/detail-type/);
  });

  test('other Step Functions errors are not swallowed', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('AccessDenied'), { name: 'AccessDeniedException' }));

    // Act
    const call = trigger.handler(objectCreated('incoming/b.csv'));

    // Assess
    await expect(call).rejects.toThrow('AccessDenied');
  });
});
