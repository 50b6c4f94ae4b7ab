import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { ApiFunction } from './constructs/api-function';
import { MarrowHttpApi } from './constructs/http-api';
import { UserDirectory } from './constructs/user-directory';

export interface ApiStackProps extends StackProps {
  /** Passed as objects (not export names) so CDK wires and orders the cross-stack references. */
  readonly table: dynamodb.ITable;
  readonly mastersBucket: s3.IBucket;
  /** From the edge-link stack: the IoT data endpoint and the edge policy name. */
  readonly edgeLink: { readonly dataEndpoint: string; readonly policyName: string };
}

/** Stateless front: Cognito, the API function and the HTTP API. */
export class ApiStack extends Stack {
  readonly users: UserDirectory;
  readonly apiFunction: ApiFunction;
  readonly httpApi: MarrowHttpApi;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);

    this.users = new UserDirectory(this, 'Users');
    const { userPool, portalClient } = this.users;

    this.apiFunction = new ApiFunction(this, 'ApiFunction', {
      table: props.table,
      mastersBucket: props.mastersBucket,
      userPoolId: userPool.userPoolId,
      userPoolClientId: portalClient.userPoolClientId,
      edgeLink: props.edgeLink,
    });

    this.httpApi = new MarrowHttpApi(this, 'HttpApi', {
      handler: this.apiFunction.function,
      // Same issuer string the app verifies against (lambdas/src/auth/cognito-tokens.ts).
      jwtIssuer: `https://cognito-idp.${this.region}.amazonaws.com/${userPool.userPoolId}`,
      jwtAudience: portalClient.userPoolClientId,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.httpApi.stage.url, description: 'HTTP API base URL' });
    new CfnOutput(this, 'Region', { value: this.region });
    new CfnOutput(this, 'UserPoolId', { value: userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: portalClient.userPoolClientId });
  }
}
