import { Stack, Validations } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

/**
 * The account's IoT Core data endpoint (`iot:Data-ATS`, e.g. `a1b2c3-ats.iot.eu-west-1.amazonaws.com`),
 * which edges connect to and the API publishes commands to. It is per account and region, so
 * it is not known at synth time: a custom resource asks IoT Core (DescribeEndpoint) at deploy
 * time. Synth stays offline and needs no context value or parameter.
 */
export class IotDataEndpoint extends Construct {
  /** The endpoint host name (a deploy-time token). */
  readonly address: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    const lookup = new cr.AwsCustomResource(this, 'Lookup', {
      resourceType: 'Custom::IotDataEndpoint',
      // On create and on every update (the endpoint of an account never changes; asking again is free).
      onUpdate: {
        service: 'Iot',
        action: 'DescribeEndpoint',
        parameters: { endpointType: 'iot:Data-ATS' },
        physicalResourceId: cr.PhysicalResourceId.fromResponse('endpointAddress'),
      },
      // iot:DescribeEndpoint has no resource-level permission.
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
      installLatestAwsSdk: false,
      logGroup: new logs.LogGroup(this, 'LookupLogs', { retention: logs.RetentionDays.ONE_MONTH }),
    });
    this.address = lookup.getResponseField('endpointAddress');

    Validations.of(lookup).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'iot:DescribeEndpoint supports no resource-level permission; it only reads the account endpoint address, which is not secret.',
    });
    // The provider function is one CDK-managed singleton per stack, created beside this construct.
    const provider = Stack.of(this).node.tryFindChild(`AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`);
    if (provider) {
      Validations.of(provider).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'The role of CDK’s AwsCustomResource provider (a deploy-time DescribeEndpoint call), created by aws-cdk-lib with the basic execution policy; it is invoked only by CloudFormation.',
      });
    }
  }
}
