import { z } from 'zod';
import { loginSchema, roles, userSchema } from '@marrow/shared';
import { verifyPassword } from '../../auth/password-hash';
import { NotFoundError, UnauthorizedError } from '../../errors/marrow-error';
import { SYSTEM_SCOPE } from '../../ports/catalogue-store';
import { publicUser } from '../../catalogue/users';
import { route } from '../route';

const tag = 'Sign-in';

/** Compared against when the username is unknown, so both failures take the same time. */
const DECOY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

export const authRoutes = [
  route({
    method: 'post',
    path: '/v1/auth/login',
    summary: 'Sign in with a username and password (local host; Cognito signs users in in the cloud)',
    tag,
    access: 'public',
    body: loginSchema,
    response: z.object({ token: z.string(), expiresAt: z.string(), user: userSchema }),
    handle: async ({ deps, body }) => {
      if (!deps.passwordSignIn) throw new NotFoundError('password sign-in is not offered here: sign in through the identity provider (Cognito)');
      const user = await deps.store.get(SYSTEM_SCOPE, 'user', body.username.toLowerCase());
      const ok = await verifyPassword(body.password, user?.passwordHash ?? DECOY_HASH);
      if (!user || !ok) throw new UnauthorizedError('wrong username or password');
      const { token, expiresAt } = await deps.passwordSignIn.issue({
        userId: user.id,
        username: user.username,
        role: user.role,
        tenantIds: user.tenantIds,
      });
      return { token, expiresAt, user: publicUser(user) };
    },
  }),
  route({
    method: 'get',
    path: '/v1/auth/me',
    summary: 'Who the token belongs to: role and tenants',
    tag,
    access: 'signed-in',
    response: z.object({ userId: z.string(), username: z.string(), role: z.enum(roles), tenantIds: z.array(z.string()) }),
    handle: async ({ principal }) => ({ ...principal }),
  }),
];
