/**
 * What the local platform reads from the synthesized templates: buckets, Lambda functions (handler,
 * environment), state machines (ASL), EventBridge rules (pattern or schedule, targets) and CloudWatch
 * alarms — with every intrinsic resolved to local values. Nothing here is re-declared: change a rule,
 * a state machine or a function's environment in `lib/` and the local platform follows.
 *
 * Resolution: `Ref` of a bucket → its local name; of a pseudo parameter → a fixed local value; of another
 * resource → its logical id. `Fn::GetAtt X.Arn` → a local ARN of the resource's kind. Cross-stack
 * references (`Fn::GetStackOutput`, `Fn::ImportValue`) → the other stack's output, resolved there.
 * `Fn::Join`, `Fn::FindInMap`, `Fn::Select`, `Fn::Split`, `Fn::Sub` (no variables map) are evaluated.
 */
import { HANDLER_TAG } from '../lib/constructs/stage-function';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './identity';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One stack's template as synthesized. */
export interface StackTemplate {
  readonly stackName: string;
  readonly template: {
    readonly Resources?: Record<string, { readonly Type: string; readonly Properties?: Record<string, Json> }>;
    readonly Outputs?: Record<string, { readonly Value: Json; readonly Export?: { readonly Name: Json } }>;
    readonly Mappings?: Record<string, Record<string, Record<string, Json>>>;
  };
}

const PSEUDO_PARAMETERS: Readonly<Record<string, string>> = {
  'AWS::Partition': 'aws',
  'AWS::Region': LOCAL_REGION,
  'AWS::AccountId': LOCAL_ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::NoValue': '',
};

/** The property that names a resource whose `Ref` is its name. */
const NAME_PROPERTIES: Readonly<Record<string, string>> = {
  'AWS::CloudWatch::Alarm': 'AlarmName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::Events::Rule': 'Name',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::CodeDeploy::Application': 'ApplicationName',
  'AWS::CodeDeploy::DeploymentGroup': 'DeploymentGroupName',
  'AWS::CodeDeploy::DeploymentConfig': 'DeploymentConfigName',
};

/** A template value the local platform cannot resolve (names the intrinsic and where). */
export class UnresolvableValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnresolvableValueError';
  }
}

/** A Lambda function of the templates that runs one of our handlers. */
export interface LocalFunction {
  readonly stackName: string;
  readonly logicalId: string;
  readonly arn: string;
  /** `lambda/handlers/<handler>.ts`. */
  readonly handler: string;
  readonly environment: Readonly<Record<string, string>>;
}

/** A state machine: its resolved ASL. */
export interface LocalStateMachine {
  readonly stackName: string;
  readonly logicalId: string;
  readonly arn: string;
  readonly definition: Record<string, unknown>;
}

/** An EventBridge rule: its pattern or schedule and the ARNs it targets. */
export interface LocalRule {
  readonly stackName: string;
  readonly logicalId: string;
  readonly eventPattern?: Record<string, unknown>;
  readonly scheduleExpression?: string;
  readonly targets: ReadonlyArray<{ readonly arn: string; readonly input?: string }>;
  readonly enabled: boolean;
}

/** A Lambda Function URL: the function it fronts and its auth type. */
export interface LocalFunctionUrl {
  readonly stackName: string;
  readonly logicalId: string;
  readonly targetArn: string;
  /** The alias (or version) the URL serves; absent: `$LATEST`. */
  readonly qualifier?: string;
  readonly authType: string;
}

/** A published version of a function (`AWS::Lambda::Version`), numbered per function in template order. */
export interface LocalFunctionVersion {
  readonly stackName: string;
  readonly logicalId: string;
  readonly functionArn: string;
  readonly version: string;
}

/** An alias of a function (`AWS::Lambda::Alias`). */
export interface LocalFunctionAlias {
  readonly stackName: string;
  readonly logicalId: string;
  readonly functionArn: string;
  readonly name: string;
  /** The version it points at. */
  readonly version: string;
}

/** A CloudWatch alarm's properties, resolved. */
export interface LocalAlarm {
  readonly stackName: string;
  readonly logicalId: string;
  readonly properties: Record<string, unknown>;
}

/** The resolved view of an app's templates. */
export class LocalAssembly {
  readonly functions: LocalFunction[] = [];
  readonly stateMachines: LocalStateMachine[] = [];
  readonly rules: LocalRule[] = [];
  readonly alarms: LocalAlarm[] = [];
  readonly functionUrls: LocalFunctionUrl[] = [];
  readonly versions: LocalFunctionVersion[] = [];
  readonly aliases: LocalFunctionAlias[] = [];
  /** Every bucket: its local name, and whether it sends its object events to EventBridge. */
  readonly buckets: Array<{ readonly stackName: string; readonly logicalId: string; readonly name: string; readonly eventBridge: boolean }> = [];

  /**
   * @param stacks the app's stack templates
   * @param bucketName the local name of a bucket resource (by stack and logical id)
   */
  constructor(
    private readonly stacks: readonly StackTemplate[],
    bucketName: (stackName: string, logicalId: string) => string,
  ) {
    for (const stack of stacks) {
      for (const [id, resource] of Object.entries(stack.template.Resources ?? {})) {
        if (resource.Type !== 'AWS::S3::Bucket') continue;
        const notifications = resource.Properties?.NotificationConfiguration as { EventBridgeConfiguration?: { EventBridgeEnabled?: boolean } } | undefined;
        this.buckets.push({ stackName: stack.stackName, logicalId: id, name: bucketName(stack.stackName, id), eventBridge: notifications?.EventBridgeConfiguration?.EventBridgeEnabled === true });
      }
    }
    for (const stack of stacks) {
      for (const [id, resource] of Object.entries(stack.template.Resources ?? {})) {
        const p = resource.Properties ?? {};
        switch (resource.Type) {
          case 'AWS::Lambda::Function': {
            const tags = (p.Tags as Array<{ Key: string; Value: string }> | undefined) ?? [];
            const handler = tags.find((t) => t.Key === HANDLER_TAG)?.Value;
            // Functions that are not stages of ours (CDK's own custom-resource providers) do not run locally.
            if (!handler) break;
            const variables = ((p.Environment as { Variables?: Record<string, Json> } | undefined)?.Variables ?? {}) as Record<string, Json>;
            const environment = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, this.resolve(stack.stackName, v, `${id}.Environment.${k}`)]));
            this.functions.push({ stackName: stack.stackName, logicalId: id, arn: this.arnOf(stack.stackName, id), handler, environment });
            break;
          }
          case 'AWS::StepFunctions::StateMachine': {
            const text = p.DefinitionString !== undefined ? this.resolve(stack.stackName, p.DefinitionString, `${id}.DefinitionString`) : JSON.stringify(p.Definition);
            this.stateMachines.push({ stackName: stack.stackName, logicalId: id, arn: this.arnOf(stack.stackName, id), definition: JSON.parse(text) as Record<string, unknown> });
            break;
          }
          case 'AWS::Events::Rule': {
            const targets = ((p.Targets as Array<Record<string, Json>> | undefined) ?? []).map((t, i) => ({
              arn: this.resolve(stack.stackName, t.Arn!, `${id}.Targets[${i}].Arn`),
              ...(t.Input !== undefined ? { input: this.resolve(stack.stackName, t.Input, `${id}.Targets[${i}].Input`) } : {}),
            }));
            this.rules.push({
              stackName: stack.stackName,
              logicalId: id,
              ...(p.EventPattern !== undefined ? { eventPattern: JSON.parse(JSON.stringify(this.resolveDeep(stack.stackName, p.EventPattern, `${id}.EventPattern`))) as Record<string, unknown> } : {}),
              ...(p.ScheduleExpression !== undefined ? { scheduleExpression: this.resolve(stack.stackName, p.ScheduleExpression, `${id}.ScheduleExpression`) } : {}),
              targets,
              enabled: p.State === undefined || p.State === 'ENABLED',
            });
            break;
          }
          case 'AWS::Lambda::Url':
            this.functionUrls.push({
              stackName: stack.stackName,
              logicalId: id,
              targetArn: this.resolve(stack.stackName, p.TargetFunctionArn!, `${id}.TargetFunctionArn`),
              ...(p.Qualifier !== undefined ? { qualifier: this.resolve(stack.stackName, p.Qualifier, `${id}.Qualifier`) } : {}),
              authType: this.resolve(stack.stackName, p.AuthType ?? 'NONE', `${id}.AuthType`),
            });
            break;
          case 'AWS::Lambda::Version':
            this.versions.push({ stackName: stack.stackName, logicalId: id, functionArn: this.functionArnOf(stack.stackName, p.FunctionName!, id), version: this.resolve(stack.stackName, { 'Fn::GetAtt': [id, 'Version'] }, id) });
            break;
          case 'AWS::Lambda::Alias':
            this.aliases.push({
              stackName: stack.stackName,
              logicalId: id,
              functionArn: this.functionArnOf(stack.stackName, p.FunctionName!, id),
              name: this.resolve(stack.stackName, p.Name!, `${id}.Name`),
              version: this.resolve(stack.stackName, p.FunctionVersion!, `${id}.FunctionVersion`),
            });
            break;
          case 'AWS::CloudWatch::Alarm':
            this.alarms.push({ stackName: stack.stackName, logicalId: id, properties: this.resolveDeep(stack.stackName, p, id) as Record<string, unknown> });
            break;
          default:
            break;
        }
      }
    }
  }

  /** The names of the stacks, in the assembly's order. */
  get stackNames(): string[] {
    return this.stacks.map((s) => s.stackName);
  }

  /** A stack's resources as its template holds them (intrinsics unresolved). */
  resourcesOf(stackName: string): Readonly<Record<string, { readonly Type: string; readonly Properties?: Record<string, Json> }>> {
    return this.stack(stackName).template.Resources ?? {};
  }

  /** A stack output's local value. */
  outputOf(stackName: string, output: string): string {
    const value = this.stack(stackName).template.Outputs?.[output]?.Value;
    if (value === undefined) throw new UnresolvableValueError(`${stackName} has no output ${output}`);
    return this.resolve(stackName, value, `${stackName}.Outputs.${output}`);
  }

  /** The unqualified ARN of the function a `FunctionName` property names (a Ref, a name or an ARN). */
  private functionArnOf(stackName: string, value: Json, where: string): string {
    const resolved = this.resolve(stackName, value, `${where}.FunctionName`);
    return resolved.startsWith('arn:') ? resolved : `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${resolved}`;
  }

  /** The local ARN of a resource, by its type. */
  arnOf(stackName: string, logicalId: string): string {
    const resource = this.stack(stackName).template.Resources?.[logicalId];
    switch (resource?.Type) {
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${logicalId}`;
      case 'AWS::StepFunctions::StateMachine': {
        // A state machine named in the template is known by that name (other stacks refer to it by name).
        const given = resource.Properties?.StateMachineName;
        return `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${given !== undefined ? this.resolve(stackName, given, `${logicalId}.StateMachineName`) : logicalId}`;
      }
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${LOCAL_ACCOUNT}:role/${logicalId}`;
      case 'AWS::S3::Bucket':
        return `arn:aws:s3:::${this.bucketOf(stackName, logicalId)}`;
      case 'AWS::KMS::Key':
        return `arn:aws:kms:${LOCAL_REGION}:${LOCAL_ACCOUNT}:key/${logicalId}`;
      case 'AWS::Logs::LogGroup':
        return `arn:aws:logs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:log-group:${logicalId}:*`;
      case 'AWS::CloudWatch::Alarm':
      case 'AWS::CloudWatch::CompositeAlarm': {
        // Alarms are known by name (the local alarm evaluator's events carry this ARN).
        const name = resource.Properties?.AlarmName;
        return `arn:aws:cloudwatch:${LOCAL_REGION}:${LOCAL_ACCOUNT}:alarm:${name !== undefined ? this.resolve(stackName, name, `${logicalId}.AlarmName`) : logicalId}`;
      }
      default:
        return `arn:aws:local:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${logicalId}`;
    }
  }

  /** The number of an `AWS::Lambda::Version`: its place among its function's versions in the template, from 1. */
  private versionNumberOf(stackName: string, logicalId: string, where: string): string {
    const resources = this.stack(stackName).template.Resources ?? {};
    const resource = resources[logicalId];
    if (resource?.Type !== 'AWS::Lambda::Version') throw new UnresolvableValueError(`${where}: Fn::GetAtt ${logicalId}.Version names no AWS::Lambda::Version`);
    const fn = JSON.stringify(resource.Properties?.FunctionName);
    const siblings = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::Version' && JSON.stringify(r.Properties?.FunctionName) === fn);
    return String(siblings.findIndex(([id]) => id === logicalId) + 1);
  }

  private stack(stackName: string): StackTemplate {
    const found = this.stacks.find((s) => s.stackName === stackName);
    if (!found) throw new UnresolvableValueError(`no stack named ${stackName} in the assembly (have ${this.stacks.map((s) => s.stackName).join(', ')})`);
    return found;
  }

  private bucketOf(stackName: string, logicalId: string): string {
    const found = this.buckets.find((b) => b.stackName === stackName && b.logicalId === logicalId);
    if (!found) throw new UnresolvableValueError(`${stackName}/${logicalId} is not a bucket`);
    return found.name;
  }

  /** Resolve every intrinsic inside a value (objects and arrays kept, leaves resolved). */
  resolveDeep(stackName: string, value: Json, where: string): Json {
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v, i) => this.resolveDeep(stackName, v, `${where}[${i}]`));
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'))) return this.resolve(stackName, value, where);
    return Object.fromEntries(keys.map((k) => [k, this.resolveDeep(stackName, value[k]!, `${where}.${k}`)]));
  }

  /** Resolve a value to a string. */
  resolve(stackName: string, value: Json, where: string): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const [key] = Object.keys(value);
      const arg = value[key!]!;
      switch (key) {
        case 'Ref': {
          const name = String(arg);
          if (name in PSEUDO_PARAMETERS) return PSEUDO_PARAMETERS[name]!;
          const resource = this.stack(stackName).template.Resources?.[name];
          if (resource?.Type === 'AWS::S3::Bucket') return this.bucketOf(stackName, name);
          if (resource?.Type === 'AWS::StepFunctions::StateMachine') return this.arnOf(stackName, name);
          // Resources whose Ref is their name: the name given in the template, else (as CloudFormation
          // would generate one) the logical id.
          const nameProperty = resource ? NAME_PROPERTIES[resource.Type] : undefined;
          const given = nameProperty ? resource?.Properties?.[nameProperty] : undefined;
          return given !== undefined && given !== null ? this.resolve(stackName, given, `${name}.${nameProperty}`) : name;
        }
        case 'Fn::GetAtt': {
          const [id, attribute] = (Array.isArray(arg) ? arg : String(arg).split('.')) as [string, string];
          if (attribute === 'Arn') return this.arnOf(stackName, id);
          if (attribute === 'Version') return this.versionNumberOf(stackName, id, where);
          if (attribute === 'Name' || attribute === 'BucketName') return this.resolve(stackName, { Ref: id }, where);
          throw new UnresolvableValueError(`${where}: Fn::GetAtt ${id}.${attribute} has no local value`);
        }
        case 'Fn::Join': {
          const [separator, parts] = arg as [string, Json[]];
          return parts.map((p, i) => this.resolve(stackName, p, `${where}[${i}]`)).join(separator);
        }
        case 'Fn::Select': {
          const [index, list] = arg as [Json, Json];
          const items = Array.isArray(list) ? list.map((v) => this.resolve(stackName, v, where)) : this.resolve(stackName, list, where).split(',');
          return items[Number(this.resolve(stackName, index, where))] ?? '';
        }
        case 'Fn::Split': {
          const [separator, source] = arg as [string, Json];
          return this.resolve(stackName, source, where).split(separator).join(',');
        }
        case 'Fn::Sub': {
          if (typeof arg !== 'string') throw new UnresolvableValueError(`${where}: Fn::Sub with a variables map is not supported locally`);
          return arg.replace(/\$\{([^}!]+)\}/g, (_m, name: string) => this.resolve(stackName, name.includes('.') ? { 'Fn::GetAtt': name.split('.') } : { Ref: name }, where));
        }
        case 'Fn::FindInMap': {
          const [map, top, second] = (arg as Json[]).map((v) => this.resolve(stackName, v, where));
          const found = this.stack(stackName).template.Mappings?.[map!]?.[top!]?.[second!];
          if (found === undefined) throw new UnresolvableValueError(`${where}: Fn::FindInMap ${map}/${top}/${second} is not in the template's mappings`);
          return this.resolve(stackName, found, where);
        }
        case 'Fn::GetStackOutput': {
          const { StackName, OutputName } = arg as { StackName: Json; OutputName: Json };
          const other = this.resolve(stackName, StackName, where);
          const output = this.stack(other).template.Outputs?.[this.resolve(stackName, OutputName, where)];
          if (!output) throw new UnresolvableValueError(`${where}: stack ${other} has no output ${JSON.stringify(OutputName)}`);
          return this.resolve(other, output.Value, `${other}.Outputs`);
        }
        case 'Fn::ImportValue': {
          const name = this.resolve(stackName, arg, where);
          for (const stack of this.stacks) {
            for (const output of Object.values(stack.template.Outputs ?? {})) {
              if (output.Export && this.resolve(stack.stackName, output.Export.Name, where) === name) return this.resolve(stack.stackName, output.Value, `${stack.stackName}.Outputs`);
            }
          }
          throw new UnresolvableValueError(`${where}: no stack exports ${name}`);
        }
        default:
          break;
      }
    }
    throw new UnresolvableValueError(`${where}: cannot resolve ${JSON.stringify(value).slice(0, 200)} locally`);
  }
}
