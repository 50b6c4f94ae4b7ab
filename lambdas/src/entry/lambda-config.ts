/** The Lambda's configuration: read once from the environment CDK sets, then frozen. */
export interface LambdaConfig {
  tableName: string;
  mastersBucket: string;
  region: string;
  cognitoUserPoolId: string;
  cognitoClientId: string;
  version: string;
  /** Cognito-compatible issuer URL; derived from region and pool unless set (tests, cognito-local). */
  cognitoIssuer?: string;
  /** Endpoints other than AWS's (the SDK's own variable names), e.g. DynamoDB Local in tests. */
  dynamoDbEndpoint?: string;
  s3Endpoint?: string;
}

export function readLambdaConfig(env: NodeJS.ProcessEnv): Readonly<LambdaConfig> {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`environment variable ${name} is not set`);
    return value;
  };
  if (env.MARROW_AUTH_MODE !== 'cognito') throw new Error('MARROW_AUTH_MODE must be "cognito" in the cloud');
  return Object.freeze({
    tableName: required('MARROW_TABLE_NAME'),
    mastersBucket: required('MARROW_MASTERS_BUCKET'),
    region: required('AWS_REGION'),
    cognitoUserPoolId: required('MARROW_COGNITO_USER_POOL_ID'),
    cognitoClientId: required('MARROW_COGNITO_CLIENT_ID'),
    version: env.MARROW_VERSION ?? '0.1.0',
    ...(env.MARROW_COGNITO_ISSUER ? { cognitoIssuer: env.MARROW_COGNITO_ISSUER } : {}),
    ...(env.AWS_ENDPOINT_URL_DYNAMODB ? { dynamoDbEndpoint: env.AWS_ENDPOINT_URL_DYNAMODB } : {}),
    ...(env.AWS_ENDPOINT_URL_S3 ? { s3Endpoint: env.AWS_ENDPOINT_URL_S3 } : {}),
  });
}
