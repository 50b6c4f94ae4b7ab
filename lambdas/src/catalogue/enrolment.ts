import {
  enrolmentCodeKey,
  newEdgeCredential,
  newEnrolmentCode,
  parseEdgeCredential,
  secretMatches,
} from '../auth/edge-credentials';
import { ConflictError, ForbiddenError, UnauthorizedError } from '../errors/marrow-error';
import { SYSTEM_SCOPE, type CatalogueStore } from '../ports/catalogue-store';
import { newMeta, updateRecord } from './records';

/** An enrolment code is good for a day: long enough to ship a box, short enough to be safe. */
export const ENROLMENT_CODE_LIFETIME_MS = 24 * 3600 * 1000;

/** Who is calling when an imaging server calls: its tenant and its own id. */
export interface EdgePrincipal {
  tenantId: string;
  imagingServerId: string;
  entityId: string;
}

/** Issues a fresh one-time code for an imaging server (retiring the previous unused one). */
export async function issueEnrolmentCode(
  store: CatalogueStore,
  tenantId: string,
  imagingServerId: string,
  now: Date,
): Promise<{ enrolmentCode: string; enrolmentCodeExpiresAt: string }> {
  const code = newEnrolmentCode();
  const key = enrolmentCodeKey(code);
  const expiresAt = new Date(now.getTime() + ENROLMENT_CODE_LIFETIME_MS).toISOString();
  await store.create(SYSTEM_SCOPE, 'enrolmentCode', key, { ...newMeta(tenantId, now), imagingServerId, expiresAt, usedAt: null });
  const secret = await store.get(tenantId, 'imagingServerSecret', imagingServerId);
  if (!secret) {
    await store.create(tenantId, 'imagingServerSecret', imagingServerId, {
      ...newMeta(tenantId, now),
      imagingServerId,
      credentialHash: null,
      enrolledAt: null,
      enrolmentCodeKey: key,
    });
  } else {
    const previous = secret.enrolmentCodeKey;
    await updateRecord(store, tenantId, 'imagingServerSecret', imagingServerId, now, (s) => ({ ...s, enrolmentCodeKey: key }));
    if (previous && previous !== key) await store.delete(SYSTEM_SCOPE, 'enrolmentCode', previous);
  }
  return { enrolmentCode: code, enrolmentCodeExpiresAt: expiresAt };
}

/**
 * Exchanges a one-time code for the imaging server's credential. The code is spent by a
 * conditional write first, so two appliances racing with one code cannot both enrol.
 */
export async function enrolImagingServer(
  store: CatalogueStore,
  code: string,
  now: Date,
): Promise<{ credential: string; tenantId: string; imagingServerId: string; entityId: string; name: string }> {
  const key = enrolmentCodeKey(code);
  const record = await store.get(SYSTEM_SCOPE, 'enrolmentCode', key);
  if (!record) throw new UnauthorizedError('this enrolment code is not valid: check it, or create a new one in the portal');
  if (record.usedAt) throw new UnauthorizedError(`this enrolment code was already used (${record.usedAt}); create a new one in the portal`);
  if (record.expiresAt < now.toISOString()) {
    throw new UnauthorizedError(`this enrolment code expired at ${record.expiresAt}; create a new one in the portal`);
  }
  const server = await store.get(record.tenantId, 'imagingServer', record.imagingServerId);
  if (!server) throw new UnauthorizedError('the imaging server of this enrolment code no longer exists');
  if (server.revokedAt) throw new ForbiddenError('this imaging server was revoked; an administrator must restore it first');
  try {
    await updateRecord(store, SYSTEM_SCOPE, 'enrolmentCode', key, now, (c) => {
      if (c.usedAt) throw new ConflictError('already used');
      return { ...c, usedAt: now.toISOString() };
    });
  } catch (error) {
    if (error instanceof ConflictError) throw new UnauthorizedError('this enrolment code was already used; create a new one in the portal');
    throw error;
  }
  const { credential, secretHash } = newEdgeCredential(server.tenantId, server.id);
  await updateRecord(store, server.tenantId, 'imagingServerSecret', server.id, now, (s) => ({
    ...s,
    credentialHash: secretHash,
    enrolledAt: now.toISOString(),
    enrolmentCodeKey: null,
  }));
  return { credential, tenantId: server.tenantId, imagingServerId: server.id, entityId: server.entityId, name: server.name };
}

/** The principal behind an imaging-server credential; refused when unknown, replaced or revoked. */
export async function verifyEdgeCredential(store: CatalogueStore, token: string): Promise<EdgePrincipal> {
  const parts = parseEdgeCredential(token);
  if (!parts) throw new UnauthorizedError('the imaging-server credential is malformed');
  const [secret, server] = await Promise.all([
    store.get(parts.tenantId, 'imagingServerSecret', parts.imagingServerId),
    store.get(parts.tenantId, 'imagingServer', parts.imagingServerId),
  ]);
  if (!secret?.credentialHash || !server || !secretMatches(parts.secret, secret.credentialHash)) {
    throw new UnauthorizedError('the imaging-server credential is not valid; enrol this appliance again');
  }
  if (server.revokedAt) throw new ForbiddenError('this imaging server was revoked');
  return { tenantId: server.tenantId, imagingServerId: server.id, entityId: server.entityId };
}

/** Forgets an imaging server's secrets (when it is deleted). */
export async function forgetImagingServerSecrets(store: CatalogueStore, tenantId: string, imagingServerId: string): Promise<void> {
  const secret = await store.get(tenantId, 'imagingServerSecret', imagingServerId);
  if (secret?.enrolmentCodeKey) await store.delete(SYSTEM_SCOPE, 'enrolmentCode', secret.enrolmentCodeKey);
  await store.delete(tenantId, 'imagingServerSecret', imagingServerId);
}

