/**
 * The SageMaker engine's part of the training pipeline: the built-in XGBoost training job (`.sync`), a
 * SageMaker Model of its artifact, and batch transforms that score the holdout (and the champion, when it
 * is a SageMaker model) so the evaluate Lambda computes every metric from predictions — no XGBoost
 * runtime in a Lambda. Every name and S3 location comes from the features stage's `sagemaker` plan
 * (`$.features.sagemaker`), so the state machine only wires.
 *
 * One least-privilege execution role serves the training job, the model and the transforms: it reads
 * the run's SageMaker inputs, writes the training and scoring outputs, reads model artifacts, pulls only
 * the XGBoost repository, and logs only to SageMaker's log groups. Step Functions may pass it to
 * SageMaker only (`iam:PassedToService`).
 */
import { Aws, Duration, Size, Stack } from 'aws-cdk-lib';
import { InstanceType } from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import type { PlatformConfig } from '../../config/schema';
import { ARTIFACT_PREFIX } from '../../lambda/core/layout';
import { xgboostHyperparameters } from '../../lambda/core/sagemaker/xgboost';
import { XGBOOST_REPOSITORY, xgboostImage } from './xgboost-image';

/** Errors of SageMaker's service integration worth retrying: throttling and capacity, not bad requests. */
export const TRANSIENT_SAGEMAKER_ERRORS = ['SageMaker.AmazonSageMakerException', 'SageMaker.ResourceLimitExceededException'] as const;

/** Retry policy for SageMaker calls: 30 s, 60 s, 120 s (±jitter). */
export const SAGEMAKER_RETRY = { interval: Duration.seconds(30), maxAttempts: 3, backoffRate: 2 } as const;

/**
 * An S3 location read from the state at run time. CDK's `S3Location.fromJsonExpression` grants the task's
 * role `s3:GetObject`, `s3:ListBucket` and `s3:PutObject` on `*` for such a location; the role here gets
 * prefix-scoped grants instead, so binding grants nothing.
 */
class StateS3Location extends tasks.S3Location {
  constructor(private readonly path: string) {
    super();
  }
  bind(): tasks.S3LocationConfig {
    return { uri: sfn.JsonPath.stringAt(this.path) };
  }
}
const stateS3Location = (path: string): tasks.S3Location => new StateS3Location(path);

/** Where the features stage's plan sits in the state. */
const PLAN = '$.features.sagemaker';

/** Properties of {@link SageMakerTraining}. */
export interface SageMakerTrainingProps {
  /** The artifact bucket: inputs under `runs/<runId>/features/sagemaker/`, outputs under `train/` and `evaluate/`. */
  readonly artifactBucket: IBucket;
  /** The model section of the config (params become hyperparameters; `sagemaker` sizes the jobs). */
  readonly model: PlatformConfig['model'];
  /** The task: decides the objective and evaluation metric. */
  readonly task: 'regression' | 'binary';
  /**
   * Whether the models serve on SageMaker real-time endpoints with data capture: SageMaker writes the
   * capture with the model's execution role, which then may write under `endpoint-capture/`.
   * @default false
   */
  readonly endpointDataCapture?: boolean;
}

/** Training and scoring on SageMaker, for the training pipeline to chain. */
export class SageMakerTraining extends Construct {
  /** The execution role of the training job, the model and the transforms. */
  readonly role: iam.Role;
  /** The XGBoost image URI (resolved per region at deploy time). */
  readonly imageUri: string;
  private readonly props: SageMakerTrainingProps;
  private readonly sizing: { instanceType: InstanceType; instanceCount: number; volume: Size; maxRuntime: Duration };

  constructor(scope: Construct, id: string, props: SageMakerTrainingProps) {
    super(scope, id);
    this.props = props;
    const stack = Stack.of(this);
    const image = xgboostImage(this);
    this.imageUri = image.uri;
    const sm = props.model.sagemaker ?? { instanceType: 'ml.m5.xlarge', instanceCount: 1, volumeGb: 30, maxRuntimeMinutes: 60 };
    this.sizing = {
      instanceType: new InstanceType(sm.instanceType.replace(/^ml\./, '')),
      instanceCount: sm.instanceCount,
      volume: Size.gibibytes(sm.volumeGb),
      maxRuntime: Duration.minutes(sm.maxRuntimeMinutes),
    };

    this.role = new iam.Role(this, 'ExecutionRole', {
      description: 'SageMaker XGBoost training job, model and batch transforms of the training pipeline',
      // Confused-deputy guard: only SageMaker acting for this account may assume it.
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com').withConditions({ StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } }),
    });
    const bucket = props.artifactBucket;
    const runs = ARTIFACT_PREFIX.runs;
    const objects = (pattern: string): string => bucket.arnForObjects(`${runs}*/${pattern}`);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadRunInputsAndModels',
        actions: ['s3:GetObject'],
        resources: [objects('features/sagemaker/*'), objects('train/sagemaker/*')],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListRunFolders',
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${runs}*`] } },
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteTrainingAndScoringOutputs',
        actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
        resources: [objects('train/sagemaker/*'), objects('evaluate/sagemaker/*')],
      }),
    );
    if (props.endpointDataCapture) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'WriteEndpointDataCapture',
          actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
          resources: [bucket.arnForObjects(`${ARTIFACT_PREFIX.endpointCapture}*`)],
        }),
      );
    }
    if (bucket.encryptionKey) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'UseBucketKeyThroughS3',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [bucket.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
        }),
      );
    }
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PullXgboostImage',
        actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
        resources: [`arn:${Aws.PARTITION}:ecr:${Aws.REGION}:${image.account}:repository/${XGBOOST_REPOSITORY}`],
      }),
    );
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'EcrLogin', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SageMakerLogs',
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [`arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:/aws/sagemaker/*`],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SageMakerMetrics',
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringLike: { 'cloudwatch:namespace': '/aws/sagemaker/*' } },
      }),
    );
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken and cloudwatch:PutMetricData accept no resource narrower than *; metrics are limited to the /aws/sagemaker/* namespaces by condition',
    });
    this.node.addValidation({
      validate: () => {
        for (const pattern of ['features/sagemaker/*', 'train/sagemaker/*', 'evaluate/sagemaker/*']) {
          const arn = stack.resolve(objects(pattern)) as unknown;
          Validations.of(this.role).acknowledge({
            id: `AwsSolutions-IAM5[Resource::${flattenCfnReference(arn)}]`,
            reason: `Objects of any run (${runs}<runId>/${pattern}): run ids are not known in advance; the pattern names one stage's SageMaker folder`,
          });
        }
        if (props.endpointDataCapture) {
          Validations.of(this.role).acknowledge({
            id: `AwsSolutions-IAM5[Resource::${flattenCfnReference(stack.resolve(bucket.arnForObjects(`${ARTIFACT_PREFIX.endpointCapture}*`)) as unknown)}]`,
            reason: `SageMaker data capture writes the real-time endpoints' records under ${ARTIFACT_PREFIX.endpointCapture}<endpoint>/<variant>/<date>/ with keys it chooses`,
          });
        }
        Validations.of(this.role).acknowledge({
          id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/sagemaker/*]',
          reason: 'SageMaker writes job logs to /aws/sagemaker/TrainingJobs and /aws/sagemaker/TransformJobs with a stream per job',
        });
        return [];
      },
    });
  }

  /** The training job (`createTrainingJob.sync`): its summary lands at `$.train`. */
  trainingJob(id: string): tasks.SageMakerCreateTrainingJob {
    const { model, task } = this.props;
    const channel = (name: string, uriPath: string): tasks.Channel => ({
      channelName: name,
      contentType: 'text/csv',
      dataSource: { s3DataSource: { s3Location: stateS3Location(uriPath), s3DataType: tasks.S3DataType.S3_PREFIX } },
    });
    return new tasks.SageMakerCreateTrainingJob(this, id, {
      comment: 'train stage: SageMaker built-in XGBoost',
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      trainingJobName: sfn.JsonPath.stringAt(`${PLAN}.trainingJobName`),
      role: this.role,
      algorithmSpecification: { trainingImage: tasks.DockerImage.fromRegistry(this.imageUri), trainingInputMode: tasks.InputMode.FILE },
      inputDataConfig: [
        channel('train', `${PLAN}.trainUri`),
        ...(model.params.earlyStoppingRounds !== undefined ? [channel('validation', `${PLAN}.validationUri`)] : []),
      ],
      // No KmsKeyId: the bucket's default encryption (its KMS key) applies, through S3 only.
      outputDataConfig: { s3OutputLocation: stateS3Location(`${PLAN}.trainingOutputUri`) },
      resourceConfig: { instanceType: this.sizing.instanceType, instanceCount: this.sizing.instanceCount, volumeSize: this.sizing.volume },
      stoppingCondition: { maxRuntime: this.sizing.maxRuntime },
      hyperparameters: xgboostHyperparameters(model.params, task),
      resultSelector: {
        algorithm: 'xgboost',
        'modelArtifactUri.$': '$.ModelArtifacts.S3ModelArtifacts',
        'trainingJobName.$': '$.TrainingJobName',
        'trainingJobArn.$': '$.TrainingJobArn',
        'trainingSeconds.$': '$.TrainingTimeInSeconds',
      },
      resultPath: '$.train',
    });
  }

  /** A SageMaker Model of the trained artifact (what batch transforms and, later, endpoints run). */
  createModel(id: string): tasks.SageMakerCreateModel {
    return new tasks.SageMakerCreateModel(this, id, {
      comment: 'train stage: a SageMaker Model of the XGBoost artifact, for scoring',
      modelName: sfn.JsonPath.stringAt(`${PLAN}.modelName`),
      role: this.role,
      primaryContainer: new tasks.ContainerDefinition({
        image: tasks.DockerImage.fromRegistry(this.imageUri),
        mode: tasks.Mode.SINGLE_MODEL,
        modelS3Location: stateS3Location('$.train.modelArtifactUri'),
      }),
      resultSelector: { 'modelArn.$': '$.ModelArn' },
      resultPath: '$.sagemakerModel',
    });
  }

  /**
   * A batch transform (`createTransformJob.sync`) of a scoring file: `which` is the candidate (the
   * holdout, permutation sample and permuted copies) or the champion (the holdout through its own spec).
   */
  scoringJob(id: string, which: 'candidate' | 'champion'): tasks.SageMakerCreateTransformJob {
    const at = which === 'candidate' ? PLAN : `${PLAN}.champion`;
    return new tasks.SageMakerCreateTransformJob(this, id, {
      comment: which === 'candidate' ? 'train stage: score the holdout with the candidate' : 'evaluate stage: score the holdout with the champion',
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      transformJobName: sfn.JsonPath.stringAt(`${at}.scoringJobName`),
      modelName: sfn.JsonPath.stringAt(`${at}.modelName`),
      role: this.role,
      batchStrategy: tasks.BatchStrategy.MULTI_RECORD,
      maxPayload: Size.mebibytes(6),
      transformInput: {
        contentType: 'text/csv',
        splitType: tasks.SplitType.LINE,
        transformDataSource: { s3DataSource: { s3Uri: sfn.JsonPath.stringAt(`${at}.scoreUri`), s3DataType: tasks.S3DataType.S3_PREFIX } },
      },
      transformOutput: {
        s3OutputPath: sfn.JsonPath.stringAt(`${at}.scoringOutputUri`),
        accept: 'text/csv',
        assembleWith: tasks.AssembleWith.LINE,
      },
      transformResources: { instanceCount: 1, instanceType: this.sizing.instanceType },
      resultSelector: { 'transformJobName.$': '$.TransformJobName', 'transformJobArn.$': '$.TransformJobArn' },
      resultPath: which === 'candidate' ? '$.scoring' : '$.championScoring',
    });
  }
}
