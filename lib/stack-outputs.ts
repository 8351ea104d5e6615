/**
 * Names of the stack outputs the CLI reads (`DescribeStacks`) to find a deployed environment. Kept in a
 * module without CDK imports, so the CLI does not load the CDK to read them.
 */

/** Outputs of `<name>-<env>-data`. */
export const DATA_STACK_OUTPUTS = {
  dataBucketName: 'DataBucketName',
  artifactBucketName: 'ArtifactBucketName',
  dataKeyArn: 'DataKeyArn',
} as const;

/** Outputs of `<name>-<env>-pipeline`. */
export const PIPELINE_STACK_OUTPUTS = { stateMachineArn: 'TrainingStateMachineArn' } as const;

/** Outputs of `<name>-<env>-serving`. */
export const SERVING_STACK_OUTPUTS = { predictUrl: 'PredictUrl', deployStateMachineArn: 'DeployStateMachineArn' } as const;

/** Outputs of `<name>-<env>-cicd`. */
export const CICD_STACK_OUTPUTS = { deployRoleArn: 'GitHubDeployRoleArn' } as const;
