import type { Principal } from './principal';

/** Turns a bearer token into a principal, or throws UnauthorizedError. */
export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}

/** Issues tokens for users who sign in with a password (local host only; Cognito does it in the cloud). */
export interface TokenIssuer {
  issue(principal: Principal): Promise<{ token: string; expiresAt: string }>;
}
