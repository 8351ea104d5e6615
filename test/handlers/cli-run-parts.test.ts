/**
 * `mlops run s3://…/incoming/folder/`: a folder with a `_manifest.json` or `_SUCCESS` starts a part-file
 * run keyed on its marker, under the name the trigger would give it; a folder with neither, or a part
 * file named on its own, is a usage error that says what to do. S3 is s3rver; Step Functions is mocked.
 */
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { DeployedEnvironment } from '../../cli/aws/environment';
import { runCommand } from '../../cli/commands/run';
import { UsageError } from '../../cli/errors';
import type { Output } from '../../cli/output';
import { loadConfig } from '../../config/load';
import { partsExecutionName } from '../../lambda/core/validation/dataset-parts';
import { startS3rver, type LocalS3 } from '../helpers/s3rver';

const DATA = 'flights-dev-data-parts';
const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:training';
const env: DeployedEnvironment = { region: 'us-east-1', dataBucket: DATA, artifactBucket: 'flights-dev-artifacts-parts', stateMachineArn: MACHINE };
const config = loadConfig({ env: 'dev' });
const sfnMock = mockClient(SFNClient);
let s3: LocalS3;

const quiet: Output = { out: () => undefined, err: () => undefined };

async function put(key: string, body: string): Promise<void> {
  await s3.client.send(new PutObjectCommand({ Bucket: DATA, Key: key, Body: Buffer.from(body) }));
}

function run(target: string): Promise<number> {
  return runCommand(target, config, env, { s3: s3.client, sfn: new SFNClient({ region: 'us-east-1' }) }, {}, quiet);
}

beforeAll(async () => {
  s3 = await startS3rver([DATA]);
  await put('incoming/spark/part-00000.csv', 'a\n1\n');
  await put('incoming/spark/_SUCCESS', '');
  await put('incoming/listed/a.csv', 'a\n1\n');
  await put('incoming/listed/_SUCCESS', '');
  await put('incoming/listed/_manifest.json', '{"parts":["a.csv"]}');
  await put('incoming/unfinished/part-00000.csv', 'a\n1\n');
});
afterAll(async () => {
  await s3.stop();
});
beforeEach(() => {
  sfnMock.reset();
  sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: new Date() });
});

describe('mlops run on a folder', () => {
  test.each([
    ['a _SUCCESS folder', 'incoming/spark/', '_SUCCESS'],
    ['a folder with a manifest (preferred over its _SUCCESS)', 'incoming/listed/', '_manifest.json'],
  ])('%s starts a part-file run keyed on its marker', async (_label, prefix, marker) => {
    // Act
    const code = await run(`s3://${DATA}/${prefix}`);

    // Assess
    expect(code).toBe(0);
    const call = sfnMock.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    const name = partsExecutionName(DATA, `${prefix}${marker}`);
    expect(call.name).toBe(name);
    expect(JSON.parse(call.input!)).toEqual({ runId: name, bucket: DATA, key: `${prefix}${marker}`, trigger: 'manual', parts: { prefix, marker } });
  });

  test('the marker itself names the same run', async () => {
    // Act
    await run(`s3://${DATA}/incoming/spark/_SUCCESS`);

    // Assess
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]!.args[0].input.name).toBe(partsExecutionName(DATA, 'incoming/spark/_SUCCESS'));
  });

  test.each([
    [`s3://${DATA}/incoming/unfinished/`, /incoming\/unfinished\/ has neither a _manifest\.json nor a _SUCCESS marker: a folder runs as a part-file dataset once one of them is written after the parts/],
    [`s3://${DATA}/incoming/spark/part-00000.csv`, /is a part file; the run starts when its folder's _SUCCESS or _manifest\.json arrives; run its folder instead \(s3:\/\/flights-dev-data-parts\/incoming\/spark\/\)/],
    [`s3://${DATA}/incoming/`, /name a file or a part folder under incoming\//],
  ])('%s is a usage error', async (target, message) => {
    // Act
    const call = run(target);

    // Assess
    await expect(call).rejects.toThrow(UsageError);
    await expect(call).rejects.toThrow(message);
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});
