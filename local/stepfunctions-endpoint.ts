/**
 * A local Step Functions endpoint: the part of the Step Functions API the platform calls
 * (`StartExecution`, `DescribeExecution`, `ListExecutions`, and the callback pattern's `SendTaskSuccess`,
 * `SendTaskFailure`, `SendTaskHeartbeat`), spoken over HTTP in the service's own
 * protocol (AWS JSON 1.0, `X-Amz-Target: AWSStepFunctions.<Operation>`) so the unmodified trigger Lambda
 * and the CLI reach it through `@aws-sdk/client-sfn` with `AWS_ENDPOINT_URL_SFN`. Executions run in
 * aws-local-stepfunctions through the `start` callback the platform gives; names are unique per state
 * machine, as in Step Functions (`ExecutionAlreadyExists` otherwise).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LocalHttpService } from './local-http';

/** An execution as `DescribeExecution` reports it. */
export interface LocalExecution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  readonly startDate: Date;
  stopDate?: Date;
  readonly input: string;
  output?: string;
  error?: string;
  cause?: string;
  /** Settles when the execution ends. */
  readonly done: Promise<void>;
}

/** How the endpoint runs an execution: resolve with the output, reject with an error (its `name` is the error). */
export type ExecutionRunner = (stateMachineArn: string, input: unknown, name: string) => Promise<unknown>;

class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** The local Step Functions endpoint. */
export class StepFunctionsEndpoint {
  readonly executions = new Map<string, LocalExecution>();
  private readonly http = new LocalHttpService((req, res) => this.handle(req, res));
  private readonly listeners: Array<(execution: LocalExecution) => void> = [];
  /** Tasks waiting for their token (`.waitForTaskToken`), and tokens whose task has ended (and how). */
  private readonly waiting = new Map<string, { resolve: (output: unknown) => void; reject: (error: Error) => void; timer?: NodeJS.Timeout }>();
  private readonly closedTokens = new Map<string, 'answered' | 'timed out'>();

  constructor(
    private readonly stateMachineArns: readonly string[],
    private readonly run: ExecutionRunner,
  ) {}

  /** Listen on 127.0.0.1; returns the endpoint URL. */
  listen(port = 0): Promise<string> {
    return this.http.listen(port);
  }

  /** Stop listening (running executions finish in the background). */
  close(): Promise<void> {
    return this.http.close();
  }

  /** Called when an execution ends. */
  onExecutionEnd(listener: (execution: LocalExecution) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Wait for the answer to a task token: `SendTaskSuccess`'s output, or an error named as `SendTaskFailure`
   * says (`States.Timeout` when `timeoutMs` passes first).
   */
  waitForTaskToken(token: string, timeoutMs?: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const entry: { resolve: (output: unknown) => void; reject: (error: Error) => void; timer?: NodeJS.Timeout } = { resolve, reject };
      if (timeoutMs !== undefined) {
        entry.timer = setTimeout(() => {
          this.waiting.delete(token);
          this.closedTokens.set(token, 'timed out');
          reject(Object.assign(new Error('the task timed out waiting for its token'), { name: 'States.Timeout' }));
        }, timeoutMs);
        entry.timer.unref();
      }
      this.waiting.set(token, entry);
    });
  }

  /**
   * Fail every task still waiting for its token (the platform is stopping): the waits settle, so nothing
   * they hold (the interpreter's task timer) keeps the process alive.
   */
  abandonWaitingTasks(reason: string): void {
    for (const [token, entry] of this.waiting) {
      this.waiting.delete(token);
      if (entry.timer) clearTimeout(entry.timer);
      entry.reject(Object.assign(new Error(reason), { name: 'States.TaskFailed' }));
    }
  }

  /** Answer a waiting task (what `SendTaskSuccess` / `SendTaskFailure` do). */
  private answerTask(token: string, answer: { output: unknown } | { error: string; cause: string }): void {
    if (!token) throw new ServiceError('InvalidToken', 'Invalid Token: the task token is empty');
    const entry = this.waiting.get(token);
    if (!entry) {
      const closed = this.closedTokens.get(token);
      if (closed === 'timed out') throw new ServiceError('TaskTimedOut', `Task Timed Out: '${token}'`);
      throw new ServiceError('TaskDoesNotExist', `Task Does Not Exist: '${token}'${closed ? ' (it was already answered)' : ''}`);
    }
    this.waiting.delete(token);
    this.closedTokens.set(token, 'answered');
    if (entry.timer) clearTimeout(entry.timer);
    if ('output' in answer) entry.resolve(answer.output);
    else entry.reject(Object.assign(new Error(answer.cause), { name: answer.error }));
  }

  /** Start an execution (what `StartExecution` does). */
  startExecution(stateMachineArn: string, name: string, input: string): LocalExecution {
    if (!this.stateMachineArns.includes(stateMachineArn)) throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) throw new ServiceError('InvalidName', `Invalid Name: '${name}'`);
    const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    if (this.executions.has(executionArn)) throw new ServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(input);
    } catch {
      throw new ServiceError('InvalidExecutionInput', 'Invalid State Machine Execution Input: the input is not JSON');
    }
    let settle: () => void = () => undefined;
    const execution: LocalExecution = {
      executionArn,
      stateMachineArn,
      name,
      status: 'RUNNING',
      startDate: new Date(),
      input,
      done: new Promise<void>((resolve) => (settle = resolve)),
    };
    this.executions.set(executionArn, execution);
    void this.run(stateMachineArn, parsed, name).then(
      (output) => {
        execution.status = 'SUCCEEDED';
        execution.output = JSON.stringify(output ?? null);
      },
      (error: unknown) => {
        const cause = (error as { cause?: { name?: string; message?: string } }).cause;
        execution.status = 'FAILED';
        execution.error = cause?.name ?? (error as Error).name;
        execution.cause = cause?.message ?? (error as Error).message;
      },
    ).finally(() => {
      execution.stopDate = new Date();
      settle();
      for (const listener of this.listeners) listener(execution);
    });
    return execution;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reply = (status: number, body: unknown, type?: string): void => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', ...(type ? { 'x-amzn-errortype': type } : {}) });
      res.end(JSON.stringify(body));
    };
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = (chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {}) as Record<string, unknown>;
      const operation = String(req.headers['x-amz-target'] ?? '').replace(/^AWSStepFunctions\./, '');
      const seconds = (d?: Date): number | undefined => (d ? d.getTime() / 1000 : undefined);
      const describe = (e: LocalExecution): Record<string, unknown> => ({
        executionArn: e.executionArn,
        stateMachineArn: e.stateMachineArn,
        name: e.name,
        status: e.status,
        startDate: seconds(e.startDate),
        ...(e.stopDate ? { stopDate: seconds(e.stopDate) } : {}),
        input: e.input,
        ...(e.output !== undefined ? { output: e.output } : {}),
        ...(e.error !== undefined ? { error: e.error, cause: e.cause } : {}),
      });
      switch (operation) {
        case 'StartExecution': {
          const e = this.startExecution(String(body.stateMachineArn), String(body.name ?? crypto.randomUUID()), String(body.input ?? '{}'));
          return reply(200, { executionArn: e.executionArn, startDate: seconds(e.startDate) });
        }
        case 'DescribeExecution': {
          const e = this.executions.get(String(body.executionArn));
          if (!e) throw new ServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${String(body.executionArn)}'`);
          return reply(200, describe(e));
        }
        case 'ListExecutions': {
          const list = [...this.executions.values()]
            .reverse()
            .filter((e) => e.stateMachineArn === body.stateMachineArn && (!body.statusFilter || e.status === body.statusFilter))
            .sort((a, b) => b.startDate.getTime() - a.startDate.getTime())
            .slice(0, Number(body.maxResults ?? 100) || 100);
          return reply(200, { executions: list.map((e) => ({ executionArn: e.executionArn, stateMachineArn: e.stateMachineArn, name: e.name, status: e.status, startDate: seconds(e.startDate), ...(e.stopDate ? { stopDate: seconds(e.stopDate) } : {}) })) });
        }
        case 'SendTaskSuccess': {
          let output: unknown;
          try {
            output = JSON.parse(String(body.output ?? ''));
          } catch {
            throw new ServiceError('InvalidOutput', 'Invalid Output: the output is not JSON');
          }
          this.answerTask(String(body.taskToken ?? ''), { output });
          return reply(200, {});
        }
        case 'SendTaskFailure':
          this.answerTask(String(body.taskToken ?? ''), { error: String(body.error ?? 'States.TaskFailed'), cause: String(body.cause ?? '') });
          return reply(200, {});
        case 'SendTaskHeartbeat':
          if (!this.waiting.has(String(body.taskToken ?? ''))) throw new ServiceError('TaskDoesNotExist', `Task Does Not Exist: '${String(body.taskToken ?? '')}'`);
          return reply(200, {});
        default:
          throw new ServiceError('UnknownOperationException', `the local Step Functions endpoint does not implement ${operation || '(no X-Amz-Target)'}`);
      }
    } catch (error) {
      if (error instanceof ServiceError) return reply(error.status, { __type: `com.amazonaws.states#${error.type}`, message: error.message }, error.type);
      return reply(500, { __type: 'com.amazonaws.states#InternalFailure', message: (error as Error).message }, 'InternalFailure');
    }
  }
}
