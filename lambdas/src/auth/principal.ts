import type { Role } from '@marrow/shared';

/** Who is calling, as proven by their token. */
export interface Principal {
  userId: string;
  username: string;
  role: Role;
  /** Tenants the caller may act in; "*" grants every tenant (MSP operators only). */
  tenantIds: readonly string[];
}

export function canAccessTenant(principal: Principal, tenantId: string): boolean {
  if (principal.tenantIds.includes(tenantId)) return true;
  return principal.role === 'msp-operator' && principal.tenantIds.includes('*');
}

export function canWrite(principal: Principal): boolean {
  return principal.role !== 'read-only';
}

export function isOperatorOfEveryTenant(principal: Principal): boolean {
  return principal.role === 'msp-operator' && principal.tenantIds.includes('*');
}
