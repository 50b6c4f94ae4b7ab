import { createRemoteJWKSet, jwtVerify } from 'jose';
import { roles, type Role } from '@marrow/shared';
import { UnauthorizedError } from '../errors/marrow-error';
import type { Principal } from './principal';
import type { TokenVerifier } from './token-verifier';

/**
 * Verifies Cognito user-pool ID tokens. The role and tenant grant are custom attributes of
 * the user (`custom:role`, `custom:tenants` as a comma-separated list), set by an operator.
 * The HTTP API's JWT authorizer checks the token too; checking it again here keeps the
 * app safe however it is hosted.
 */
export function cognitoIssuerUrl(region: string, userPoolId: string): string {
  return `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`;
}

export class CognitoTokens implements TokenVerifier {
  private readonly jwks;

  constructor(
    private readonly issuer: string,
    private readonly clientId: string,
  ) {
    this.jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
  }

  async verify(token: string): Promise<Principal> {
    try {
      const { payload } = await jwtVerify(token, this.jwks, { issuer: this.issuer, audience: this.clientId });
      if (payload.token_use !== 'id') throw new UnauthorizedError('an ID token is required');
      const role = payload['custom:role'] as Role;
      const tenants = String(payload['custom:tenants'] ?? '')
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean);
      if (!roles.includes(role) || tenants.length === 0) {
        throw new UnauthorizedError('this user has no Marrow role or tenant yet; ask an operator');
      }
      return {
        userId: String(payload.sub),
        username: String(payload['cognito:username'] ?? payload.email ?? payload.sub),
        role,
        tenantIds: tenants,
      };
    } catch (error) {
      if (error instanceof UnauthorizedError) throw error;
      throw new UnauthorizedError('the token is not valid', { cause: error });
    }
  }
}
