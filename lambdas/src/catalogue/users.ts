import { type IdKind, type Role, type User } from '@marrow/shared';
import { hashPassword } from '../auth/password-hash';
import { ConflictError } from '../errors/marrow-error';
import { SYSTEM_SCOPE, type CatalogueStore, type StoredUser } from '../ports/catalogue-store';

/** Users are keyed by username (sign-in looks them up before any tenant is known). */
export async function createUser(
  store: CatalogueStore,
  input: { username: string; password: string; role: Role; tenantIds: string[] },
  now: Date,
  newId: (kind: IdKind) => string,
): Promise<User> {
  const at = now.toISOString();
  const user: StoredUser = {
    id: newId('user'),
    username: input.username,
    role: input.role,
    tenantIds: input.tenantIds,
    passwordHash: await hashPassword(input.password),
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  try {
    await store.create(SYSTEM_SCOPE, 'user', user.username, user);
  } catch (error) {
    if (error instanceof ConflictError) throw new ConflictError(`username "${user.username}" is taken`, { cause: error });
    throw error;
  }
  return publicUser(user);
}

export function publicUser(user: StoredUser): User {
  return { id: user.id, username: user.username, role: user.role, tenantIds: user.tenantIds as User['tenantIds'], createdAt: user.createdAt };
}
