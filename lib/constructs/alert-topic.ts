/**
 * The environment's alert topic: SNS, encrypted with a customer managed KMS key that CloudWatch alarms
 * may use (alarms cannot publish to a topic encrypted with the AWS managed `aws/sns` key), TLS-only by its
 * topic policy, with an email subscription per `alerts.emails` address (each confirms by email first).
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

/** Properties of an {@link AlertTopic}. */
export interface AlertTopicProps {
  /** `<name>-<env>`: names the topic and describes the key. */
  readonly prefix: string;
  /** `alerts.emails`. */
  readonly emails: readonly string[];
  /**
   * What happens to the key when the stack goes (a throwaway environment: destroyed).
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The KMS-encrypted, TLS-only alert topic and its email subscriptions. */
export class AlertTopic extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: `${props.prefix}: encrypts the alert topic`,
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    // CloudWatch publishes alarm notifications to the encrypted topic: it needs the key's data keys.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToTheAlertTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      topicName: `${props.prefix}-alerts`,
      displayName: `${props.prefix} MLOps alerts`,
      masterKey: this.key,
      enforceSSL: true,
    });
    for (const email of props.emails) this.topic.addSubscription(new EmailSubscription(email));
  }
}
