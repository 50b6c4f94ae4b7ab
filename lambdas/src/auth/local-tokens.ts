import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { roles, type Role } from '@marrow/shared';
import { UnauthorizedError } from '../errors/marrow-error';
import type { Principal } from './principal';
import type { TokenIssuer, TokenVerifier } from './token-verifier';

const ISSUER = 'marrow-local';
const AUDIENCE = 'marrow-api';

/**
 * HS256 tokens signed by the local host with a secret kept in its data directory. They carry
 * the same claims as the cloud's Cognito tokens (role, tenants), so handlers see one Principal.
 */
export class LocalTokens implements TokenIssuer, TokenVerifier {
  private readonly key: Uint8Array;

  constructor(
    secret: Uint8Array,
    private readonly lifetimeSeconds = 12 * 3600,
    private readonly now: () => Date = () => new Date(),
  ) {
    if (secret.length < 32) throw new Error('the token secret must be at least 32 bytes');
    this.key = secret;
  }

  async issue(principal: Principal): Promise<{ token: string; expiresAt: string }> {
    const issuedAt = Math.floor(this.now().getTime() / 1000);
    const expires = issuedAt + this.lifetimeSeconds;
    const token = await new SignJWT({ role: principal.role, tenants: [...principal.tenantIds], username: principal.username })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(principal.userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expires)
      .sign(this.key);
    return { token, expiresAt: new Date(expires * 1000).toISOString() };
  }

  async verify(token: string): Promise<Principal> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
        currentDate: this.now(),
      });
      const role = payload.role as Role;
      const tenants = payload.tenants;
      if (!roles.includes(role) || !Array.isArray(tenants) || typeof payload.sub !== 'string') {
        throw new UnauthorizedError('the token lacks Marrow claims');
      }
      return {
        userId: payload.sub,
        username: typeof payload.username === 'string' ? payload.username : payload.sub,
        role,
        tenantIds: tenants.filter((t): t is string => typeof t === 'string'),
      };
    } catch (error) {
      if (error instanceof UnauthorizedError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw new UnauthorizedError('the token has expired; sign in again', { cause: error });
      throw new UnauthorizedError('the token is not valid', { cause: error });
    }
  }
}
