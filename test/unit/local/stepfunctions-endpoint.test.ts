/**
 * The local Step Functions endpoint, called with the real `@aws-sdk/client-sfn` over HTTP: the service's
 * JSON protocol, its error types as the SDK raises them (ExecutionAlreadyExists, StateMachineDoesNotExist,
 * ExecutionDoesNotExist), and executions that succeed or fail.
 */
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
} from '@aws-sdk/client-sfn';
import { StepFunctionsEndpoint } from '../../../local/stepfunctions-endpoint';

const MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:Training';

describe('the local Step Functions endpoint through the AWS SDK', () => {
  let endpoint: StepFunctionsEndpoint;
  let sfn: SFNClient;

  beforeAll(async () => {
    endpoint = new StepFunctionsEndpoint([MACHINE], async (_arn, input) => {
      const { fail } = input as { fail?: boolean };
      if (fail) throw Object.assign(new Error('the data did not pass validation'), { name: 'ValidationFailed' });
      return { ok: true, input };
    });
    const url = await endpoint.listen();
    sfn = new SFNClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  });

  afterAll(async () => {
    sfn.destroy();
    await endpoint.close();
  });

  test('StartExecution runs the execution; DescribeExecution reports its output; a second start of the name is ExecutionAlreadyExists', async () => {
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'run-1', input: '{"x":1}' }));
    expect(started.executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:Training:run-1');
    expect(started.startDate).toBeInstanceOf(Date);
    await endpoint.executions.get(started.executionArn!)!.done;

    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    expect(described).toMatchObject({ status: 'SUCCEEDED', name: 'run-1', stateMachineArn: MACHINE, input: '{"x":1}' });
    expect(JSON.parse(described.output!)).toEqual({ ok: true, input: { x: 1 } });
    expect(described.stopDate).toBeInstanceOf(Date);

    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'run-1', input: '{}' }))).rejects.toBeInstanceOf(ExecutionAlreadyExists);
  });

  test('a failed execution reports its error and cause', async () => {
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'run-bad', input: '{"fail":true}' }));
    await endpoint.executions.get(started.executionArn!)!.done;

    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    expect(described).toMatchObject({ status: 'FAILED', error: 'ValidationFailed', cause: 'the data did not pass validation' });
  });

  test('ListExecutions lists the state machine\'s executions, newest first, filtered by status', async () => {
    const all = await sfn.send(new ListExecutionsCommand({ stateMachineArn: MACHINE }));
    expect(all.executions?.map((e) => e.name)).toEqual(['run-bad', 'run-1']);
    const failed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: MACHINE, statusFilter: 'FAILED' }));
    expect(failed.executions?.map((e) => e.name)).toEqual(['run-bad']);
  });

  test('unknown state machines and executions are the service\'s own errors', async () => {
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: `${MACHINE}Nope`, name: 'x', input: '{}' }))).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    await expect(sfn.send(new DescribeExecutionCommand({ executionArn: `${MACHINE.replace(':stateMachine:', ':execution:')}:nope` }))).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'bad name!', input: '{}' }))).rejects.toThrow(/Invalid Name/);
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'not-json', input: '{' }))).rejects.toThrow(/not JSON/);
  });
});
