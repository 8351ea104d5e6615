/**
 * The inference endpoint in the template (engine `lambda`): the predict function behind a Function URL
 * with AWS_IAM auth, its environment from the config's serving view, S3 access only to its model's
 * registry folder (read) and `capture/` (write), the URL as a stack output; every level has one (each
 * level has a deployment mode); a SageMaker serving engine is refused at synth until it is built.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../lib/platform';
import { SERVING_STACK_OUTPUTS } from '../../lib/stack-outputs';
import { MATURITY_LEVELS } from '../../lib/maturity';
import { configAtLevel, rawConfig, testApp } from './helpers';

describe('the serving stack', () => {
  const [platform] = buildApp(testApp(), [configAtLevel(3)]);
  const template = Template.fromStack(platform!.serving!);

  test('the predict function sits behind a Function URL with AWS_IAM auth; the URL is an output', () => {
    template.resourceCountIs('AWS::Lambda::Url', 1);
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM', TargetFunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PredictFunction'), 'Arn'] } });
    template.hasOutput(SERVING_STACK_OUTPUTS.predictUrl, { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PredictFunctionFunctionUrl'), 'FunctionUrl'] } });
  });

  test("its environment is the config's serving view (numbers as text), memory from serving.memoryMb", () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 1024,
      Environment: {
        Variables: Match.objectLike({ PLATFORM_NAME: 'flights', ENVIRONMENT_NAME: 'level3', MAX_BATCH: '100', CAPTURE_PERCENT: '10', CHAMPION_TTL_SECONDS: '60', POWERTOOLS_SERVICE_NAME: 'predict' }),
      },
      Tags: Match.arrayWith([{ Key: 'mlops:handler', Value: 'predict' }]),
    });
  });

  test("S3: read its model's registry folder, write capture/, nothing else", () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => (p as { Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown; Condition?: unknown }> } } }).Properties.PolicyDocument.Statement,
    );
    const isList = (s: { Action: string | string[] }): boolean => ([] as string[]).concat(s.Action).join() === 's3:ListBucket';
    // Listing is on the bucket, limited by condition to the model's registry folder.
    const lists = statements.filter(isList);
    expect(lists.length).toBe(1);
    expect(JSON.stringify(lists[0]!.Condition)).toContain('registry/flights/');
    const s3 = statements.filter((s) => !isList(s) && ([] as string[]).concat(s.Action).some((a) => a.startsWith('s3:')));
    const byAccess = s3.map((s) => ({ actions: ([] as string[]).concat(s.Action).sort().join(','), resources: JSON.stringify(s.Resource) }));
    expect(byAccess.every((s) => /\/registry\/flights\/\*|\/capture\/\*/.test(s.resources))).toBe(true);
    expect(byAccess.find((s) => s.resources.includes('/capture/*'))?.actions).toMatch(/s3:PutObject/);
    expect(byAccess.filter((s) => s.resources.includes('/registry/flights/*')).every((s) => !s.actions.includes('s3:PutObject'))).toBe(true);
  });

  test('every level has an endpoint (each has a deployment mode)', () => {
    for (const level of MATURITY_LEVELS) {
      const [p] = buildApp(testApp(), [configAtLevel(level)]);
      expect(p!.serving?.stackName).toBe(`flights-level${level}-serving`);
    }
  });

  test('a SageMaker serving engine is refused at synth, naming the field to change', () => {
    const dev = rawConfig('dev') as { model: Record<string, unknown>; serving: Record<string, unknown> };
    const config = configAtLevel(3, { model: { ...dev.model, engine: 'sagemaker', algorithm: 'xgboost' }, serving: { ...dev.serving, engine: 'sagemaker-realtime' } });
    expect(() => buildApp(testApp(), [config])).toThrow(/serving\.engine 'sagemaker-realtime' is not available yet; set serving\.engine to 'lambda'/);
  });
});
