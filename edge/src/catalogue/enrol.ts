import type { EdgeIdentity } from './credential-store';

export class EnrolmentError extends Error {}

/** Exchanges a one-time enrolment code for this edge's identity (POST /v1/edge/enroll). */
export async function enrol(controlPlaneUrl: string, code: string, fetchImpl: typeof fetch = fetch): Promise<EdgeIdentity> {
  const base = controlPlaneUrl.replace(/\/+$/, '');
  let response: Response;
  try {
    response = await fetchImpl(`${base}/v1/edge/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new EnrolmentError(`cannot reach the control plane at ${base}${cause ? ` (${cause})` : ''}`);
  }
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown> & { error?: { message?: string } };
  if (!response.ok) throw new EnrolmentError(`enrolment refused: ${body.error?.message ?? `HTTP ${response.status}`}`);
  return {
    controlPlaneUrl: base,
    credential: String(body.credential),
    tenantId: String(body.tenantId),
    imagingServerId: String(body.imagingServerId),
    entityId: String(body.entityId),
    name: String(body.name),
    enrolledAt: new Date().toISOString(),
    ...(body.mqtt ? { mqtt: body.mqtt as EdgeIdentity['mqtt'] } : {}),
  };
}
