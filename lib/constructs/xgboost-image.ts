/**
 * Where the SageMaker built-in XGBoost image lives in each region. AWS publishes the algorithm from one
 * ECR registry (account) per region; the table is the one the SageMaker Python SDK resolves
 * `image_uris.retrieve('xgboost', region, '1.7-1')` from (`src/sagemaker/image_uri_config/xgboost.json`,
 * the `sagemaker-xgboost` repository; versions 1.5-1 and later share these registries). The image URI is
 * `<account>.dkr.ecr.<region>.<url suffix>/sagemaker-xgboost:<version>` (`amazonaws.com`, or
 * `amazonaws.com.cn` in China), resolved by CloudFormation from the deploy region, so an
 * environment-agnostic stack gets the right image wherever it is deployed.
 */
import { Aws, CfnMapping, Stack, Token } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { XGBOOST_VERSION } from '../../lambda/core/sagemaker/xgboost';

/** ECR registry (account id) of the `sagemaker-xgboost` repository, by region. */
export const XGBOOST_IMAGE_ACCOUNTS: Readonly<Record<string, string>> = {
  'af-south-1': '510948584623',
  'ap-east-1': '651117190479',
  'ap-northeast-1': '354813040037',
  'ap-northeast-2': '366743142698',
  'ap-northeast-3': '867004704886',
  'ap-south-1': '720646828776',
  'ap-south-2': '628508329040',
  'ap-southeast-1': '121021644041',
  'ap-southeast-2': '783357654285',
  'ap-southeast-3': '951798379941',
  'ap-southeast-4': '106583098589',
  'ca-central-1': '341280168497',
  'ca-west-1': '190319476487',
  'cn-north-1': '450853457545',
  'cn-northwest-1': '451049120500',
  'eu-central-1': '492215442770',
  'eu-central-2': '680994064768',
  'eu-north-1': '662702820516',
  'eu-south-1': '978288397137',
  'eu-south-2': '104374241257',
  'eu-west-1': '141502667606',
  'eu-west-2': '764974769150',
  'eu-west-3': '659782779980',
  'il-central-1': '898809789911',
  'me-central-1': '272398656194',
  'me-south-1': '801668240914',
  'sa-east-1': '737474898029',
  'us-east-1': '683313688378',
  'us-east-2': '257758044811',
  'us-gov-east-1': '237065988967',
  'us-gov-west-1': '414596584902',
  'us-west-1': '746614075791',
  'us-west-2': '246618743249',
};

/** The ECR repository of the built-in XGBoost algorithm. */
export const XGBOOST_REPOSITORY = 'sagemaker-xgboost';

/** The stack's XGBoost image: its URI and its registry account (for a pull grant scoped to that repository). */
export interface XgboostImage {
  readonly uri: string;
  readonly account: string;
}

/**
 * The XGBoost image for the stack's region: a `CfnMapping` looked up at deploy time (or at synthesis,
 * when the stack names its region). A named region without the algorithm is refused here, at synthesis.
 */
export function xgboostImage(scope: Construct): XgboostImage {
  const stack = Stack.of(scope);
  if (!Token.isUnresolved(stack.region) && !(stack.region in XGBOOST_IMAGE_ACCOUNTS)) {
    throw new Error(
      `${stack.stackName}: SageMaker's built-in XGBoost is not published in region ${stack.region} (known: ${Object.keys(XGBOOST_IMAGE_ACCOUNTS).join(', ')}); ` +
        "deploy to one of those regions or set model.engine to 'lambda'",
    );
  }
  const id = 'XgboostImageAccounts';
  const mapping =
    (stack.node.tryFindChild(id) as CfnMapping | undefined) ??
    new CfnMapping(stack, id, { mapping: Object.fromEntries(Object.entries(XGBOOST_IMAGE_ACCOUNTS).map(([region, account]) => [region, { account }])) });
  const account = mapping.findInMap(Aws.REGION, 'account');
  return { uri: `${account}.dkr.ecr.${Aws.REGION}.${Aws.URL_SUFFIX}/${XGBOOST_REPOSITORY}:${XGBOOST_VERSION}`, account };
}
