import { StorageUnavailableError } from '../errors/marrow-error';

/**
 * What the AWS SDK v3 hangs on its errors. Service errors carry a name, `$fault` and
 * `$metadata`; network failures are plain Node errors with a `code` (ECONNREFUSED…).
 */
interface AwsErrorShape {
  name?: unknown;
  code?: unknown;
  $fault?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/** Service error names that mean "try again later", whatever the HTTP status says. */
const transientNames = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'LimitExceededException',
  'InternalServerError',
  'InternalError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'SlowDown',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

/** Socket-level failures: the backend (or the path to it) is down, not the request wrong. */
const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

export function awsErrorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const name = (error as AwsErrorShape).name;
  return typeof name === 'string' ? name : undefined;
}

export function awsHttpStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status = (error as AwsErrorShape).$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Throttling, 5xx and network errors: failures the caller cannot fix by changing the
 * request, so the API answers 503 instead of blaming the client or itself.
 */
export function isTransientAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const shape = error as AwsErrorShape;
  const name = awsErrorName(error);
  if (name !== undefined && transientNames.has(name)) return true;
  if (shape.$fault === 'server') return true;
  if (shape.$retryable !== undefined && shape.$retryable !== null && shape.$retryable !== false) return true;
  const status = awsHttpStatus(error);
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  return typeof shape.code === 'string' && networkCodes.has(shape.code);
}

/**
 * Rethrows transient failures as StorageUnavailableError (keeping the SDK error as
 * `cause` for the logs); anything else is returned for the caller to rethrow or map.
 */
export function translateTransientError(error: unknown, operation: string): unknown {
  if (isTransientAwsError(error)) {
    return new StorageUnavailableError(`${operation} failed: storage is unavailable`, { cause: error });
  }
  return error;
}
