/**
 * The Lambda functions' configuration: read once from the environment CDK sets, then frozen.
 * This module is the only reader of the environment in the cloud; each function has its view.
 */

/** The API function (API Gateway → the Hono app). */
export interface LambdaConfig {
  tableName: string;
  mastersBucket: string;
  region: string;
  cognitoUserPoolId: string;
  cognitoClientId: string;
  version: string;
  /** The account's IoT Core `iot:Data-ATS` endpoint host: edges connect to it, commands are published to it. */
  iotDataEndpoint: string;
  /** The one IoT policy attached to every edge certificate (thing-name variables inside). */
  iotPolicyName: string;
  /** Cognito-compatible issuer URL; derived from region and pool unless set (tests, cognito-local). */
  cognitoIssuer?: string;
  /** Endpoints other than AWS's (the SDK's own variable names), e.g. DynamoDB Local in tests. */
  dynamoDbEndpoint?: string;
  s3Endpoint?: string;
}

/** The function behind the IoT topic rules (edge messages → the catalogue). */
export interface IotRuleConfig {
  tableName: string;
  region: string;
  dynamoDbEndpoint?: string;
}

/** The scheduled storage collection (catalogue reads, masters bucket list/get/delete). */
export interface StorageCollectionConfig {
  tableName: string;
  mastersBucket: string;
  region: string;
  dynamoDbEndpoint?: string;
  s3Endpoint?: string;
}

function reader(env: NodeJS.ProcessEnv) {
  return {
    required(name: string): string {
      const value = env[name];
      if (!value) throw new Error(`environment variable ${name} is not set`);
      return value;
    },
    optional<K extends string>(key: K, name: string): { [P in K]?: string } {
      const value = env[name];
      return (value ? { [key]: value } : {}) as { [P in K]?: string };
    },
  };
}

export function readLambdaConfig(env: NodeJS.ProcessEnv): Readonly<LambdaConfig> {
  const { required, optional } = reader(env);
  if (env.MARROW_AUTH_MODE !== 'cognito') throw new Error('MARROW_AUTH_MODE must be "cognito" in the cloud');
  const iotDataEndpoint = required('MARROW_IOT_ENDPOINT');
  if (!/^[A-Za-z0-9.-]+$/.test(iotDataEndpoint)) {
    throw new Error('MARROW_IOT_ENDPOINT must be a host name (DescribeEndpoint iot:Data-ATS), without scheme or port');
  }
  return Object.freeze({
    tableName: required('MARROW_TABLE_NAME'),
    mastersBucket: required('MARROW_MASTERS_BUCKET'),
    region: required('AWS_REGION'),
    cognitoUserPoolId: required('MARROW_COGNITO_USER_POOL_ID'),
    cognitoClientId: required('MARROW_COGNITO_CLIENT_ID'),
    version: env.MARROW_VERSION ?? '0.1.0',
    iotDataEndpoint,
    iotPolicyName: required('MARROW_IOT_POLICY_NAME'),
    ...optional('cognitoIssuer', 'MARROW_COGNITO_ISSUER'),
    ...optional('dynamoDbEndpoint', 'AWS_ENDPOINT_URL_DYNAMODB'),
    ...optional('s3Endpoint', 'AWS_ENDPOINT_URL_S3'),
  });
}

export function readIotRuleConfig(env: NodeJS.ProcessEnv): Readonly<IotRuleConfig> {
  const { required, optional } = reader(env);
  return Object.freeze({
    tableName: required('MARROW_TABLE_NAME'),
    region: required('AWS_REGION'),
    ...optional('dynamoDbEndpoint', 'AWS_ENDPOINT_URL_DYNAMODB'),
  });
}

export function readStorageCollectionConfig(env: NodeJS.ProcessEnv): Readonly<StorageCollectionConfig> {
  const { required, optional } = reader(env);
  return Object.freeze({
    tableName: required('MARROW_TABLE_NAME'),
    mastersBucket: required('MARROW_MASTERS_BUCKET'),
    region: required('AWS_REGION'),
    ...optional('dynamoDbEndpoint', 'AWS_ENDPOINT_URL_DYNAMODB'),
    ...optional('s3Endpoint', 'AWS_ENDPOINT_URL_S3'),
  });
}
