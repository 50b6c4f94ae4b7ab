/**
 * Cognito sign-in with USER_PASSWORD_AUTH over plain fetch (no SDK in the bundle):
 * `InitiateAuth` with the portal's app client; the ID token is the API's bearer (it carries
 * custom:role and custom:tenants). Users are created by an operator, so the first sign-in
 * answers the NEW_PASSWORD_REQUIRED challenge.
 */
export interface CognitoTarget {
  region: string;
  userPoolClientId: string;
}

export type CognitoResult =
  | { kind: 'signed-in'; token: string; expiresAt: string }
  | { kind: 'new-password-required'; session: string; username: string };

interface CognitoAnswer {
  AuthenticationResult?: { IdToken?: string; ExpiresIn?: number };
  ChallengeName?: string;
  Session?: string;
  ChallengeParameters?: Record<string, string>;
  __type?: string;
  message?: string;
}

async function call(target: CognitoTarget, action: 'InitiateAuth' | 'RespondToAuthChallenge', body: object): Promise<CognitoAnswer> {
  let response: Response;
  try {
    response = await fetch(`https://cognito-idp.${target.region}.amazonaws.com/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `AWSCognitoIdentityProviderService.${action}`,
      },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new Error(`Cannot reach the sign-in service (Cognito): ${(error as Error).message}`);
  }
  const answer = (await response.json().catch(() => ({}))) as CognitoAnswer;
  if (!response.ok) throw new Error(cognitoMessage(answer));
  return answer;
}

export function cognitoMessage(answer: { __type?: string; message?: string }): string {
  const type = (answer.__type ?? '').split('#').at(-1);
  switch (type) {
    case 'NotAuthorizedException':
      return answer.message?.includes('expired') ? 'Your temporary password has expired: ask your administrator for a new one.' : 'Wrong username or password.';
    case 'UserNotFoundException':
      return 'Wrong username or password.';
    case 'PasswordResetRequiredException':
      return 'Your password must be reset: ask your administrator.';
    case 'InvalidPasswordException':
      return answer.message ?? 'This password does not meet the password policy.';
    case 'TooManyRequestsException':
    case 'LimitExceededException':
      return 'Too many attempts: wait a moment and try again.';
    default:
      return answer.message ?? 'Sign-in failed.';
  }
}

function result(answer: CognitoAnswer, username: string): CognitoResult {
  const token = answer.AuthenticationResult?.IdToken;
  if (token) {
    const seconds = answer.AuthenticationResult?.ExpiresIn ?? 3600;
    return { kind: 'signed-in', token, expiresAt: new Date(Date.now() + seconds * 1000).toISOString() };
  }
  if (answer.ChallengeName === 'NEW_PASSWORD_REQUIRED' && answer.Session) {
    return { kind: 'new-password-required', session: answer.Session, username: answer.ChallengeParameters?.USER_ID_FOR_SRP ?? username };
  }
  throw new Error(answer.ChallengeName ? `Sign-in needs a step the portal does not offer yet (${answer.ChallengeName}).` : 'Sign-in failed.');
}

export async function cognitoSignIn(target: CognitoTarget, username: string, password: string): Promise<CognitoResult> {
  const answer = await call(target, 'InitiateAuth', {
    AuthFlow: 'USER_PASSWORD_AUTH',
    ClientId: target.userPoolClientId,
    AuthParameters: { USERNAME: username, PASSWORD: password },
  });
  return result(answer, username);
}

export async function cognitoSetNewPassword(target: CognitoTarget, session: string, username: string, newPassword: string): Promise<CognitoResult> {
  const answer = await call(target, 'RespondToAuthChallenge', {
    ChallengeName: 'NEW_PASSWORD_REQUIRED',
    ClientId: target.userPoolClientId,
    Session: session,
    ChallengeResponses: { USERNAME: username, NEW_PASSWORD: newPassword },
  });
  return result(answer, username);
}
