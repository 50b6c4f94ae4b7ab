import { edgeAnswerFileSchema, edgeFileDownloadSchema, manifestSchema, type EdgeAnswerFile, type EdgeFileDownload, type Manifest } from '@marrow/shared';
import type { EdgeIdentity } from './credential-store';

export class ControlPlaneError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

/** The edge's calls to the control plane API, authenticated with its enrolment credential. */
export class ControlPlaneClient {
  constructor(
    private readonly identity: Pick<EdgeIdentity, 'controlPlaneUrl' | 'credential'>,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  masterManifest(masterId: string): Promise<Manifest> {
    return this.call('GET', `/v1/edge/masters/${encodeURIComponent(masterId)}/manifest`).then((body) => manifestSchema.parse(body));
  }

  /** An answer file by name (CopySysprep NAME); the control plane gives it only for deployments this edge runs. */
  answerFile(name: string): Promise<EdgeAnswerFile> {
    return this.call('GET', `/v1/edge/answer-files/${encodeURIComponent(name)}`).then((body) => edgeAnswerFileSchema.parse(body));
  }

  /** Where to download an agent installer by name (CopyAgent [NAME]): a short-lived URL. */
  agentDownload(name: string): Promise<EdgeFileDownload> {
    return this.call('GET', `/v1/edge/agents/${encodeURIComponent(name)}`).then((body) => edgeFileDownloadSchema.parse(body));
  }

  /** Where to download the driver set of a machine's entity (CopyDrivers): a short-lived URL. */
  driverSetDownload(machineId: string): Promise<EdgeFileDownload> {
    return this.call('GET', `/v1/edge/machines/${encodeURIComponent(machineId)}/driver-set`).then((body) => edgeFileDownloadSchema.parse(body));
  }

  chunkDownloadUrls(hashes: readonly string[]): Promise<Map<string, string>> {
    return this.urls('/v1/edge/chunks/download-urls', hashes);
  }

  /** Upload URLs for the chunks the archive lacks (the others are left out). */
  chunkUploadUrls(hashes: readonly string[]): Promise<Map<string, string>> {
    return this.urls('/v1/edge/chunks/upload-urls', hashes);
  }

  /** Download URLs for chunk deltas (one that is not archived answers 404 there). */
  deltaDownloadUrls(hashes: readonly string[]): Promise<Map<string, string>> {
    return this.urls('/v1/edge/deltas/download-urls', hashes);
  }

  /** Upload URLs for the chunk deltas the archive lacks (the others are left out). */
  deltaUploadUrls(hashes: readonly string[]): Promise<Map<string, string>> {
    return this.urls('/v1/edge/deltas/upload-urls', hashes);
  }

  /** A served machine's latest ready backup image with its manifest, or undefined when it has none. */
  async latestBackup(machineId: string): Promise<{ backupImageId: string; manifestKey: string; manifest: Manifest } | undefined> {
    try {
      const body = (await this.call('GET', `/v1/edge/machines/${encodeURIComponent(machineId)}/latest-backup`)) as { backupImageId: string; manifestKey: string; manifest: unknown };
      return { backupImageId: body.backupImageId, manifestKey: body.manifestKey, manifest: manifestSchema.parse(body.manifest) };
    } catch (error) {
      if (error instanceof ControlPlaneError && error.status === 404) return undefined;
      throw error;
    }
  }

  private async urls(path: string, hashes: readonly string[]): Promise<Map<string, string>> {
    const urls = new Map<string, string>();
    for (let at = 0; at < hashes.length; at += 1000) {
      const body = (await this.call('POST', path, { hashes: hashes.slice(at, at + 1000) })) as { items: { h: string; url: string }[] };
      for (const item of body.items) urls.set(item.h, item.url);
    }
    return urls;
  }

  async beginBackup(machineId: string, description: string): Promise<{ backupImageId: string; manifestUploadUrl: string }> {
    const body = (await this.call('POST', '/v1/edge/backup-images', { machineId, description })) as {
      backupImage: { id: string };
      manifestUploadUrl: string;
    };
    return { backupImageId: body.backupImage.id, manifestUploadUrl: body.manifestUploadUrl };
  }

  async completeBackup(backupImageId: string): Promise<{ id: string; state: string; compressedSizeBytes: number }> {
    return (await this.call('POST', `/v1/edge/backup-images/${encodeURIComponent(backupImageId)}/complete`)) as {
      id: string;
      state: string;
      compressedSizeBytes: number;
    };
  }

  /** Publishes a ready backup image of a machine this edge serves as a master (`marrow-edge import-master`). */
  async promoteBackup(backupImageId: string, options: { description: string; inDefaultStartupMenu: boolean }): Promise<{ id: string; label: string; compressedSizeBytes: number }> {
    return (await this.call('POST', `/v1/edge/backup-images/${encodeURIComponent(backupImageId)}/promote`, options)) as {
      id: string;
      label: string;
      compressedSizeBytes: number;
    };
  }

  /** The machines of the entities this edge serves, from its catalogue snapshot (fresh from the control plane). */
  async servedMachines(): Promise<{ id: string; mac: string; hostname: string }[]> {
    const body = (await this.call('GET', '/v1/edge/snapshot')) as { machines?: { id: string; mac: string; hostname: string }[] };
    return (body.machines ?? []).map(({ id, mac, hostname }) => ({ id, mac, hostname }));
  }

  async registerMachine(registration: { mac: string; uuid?: string | null; inventory: Record<string, unknown> }): Promise<{ machine: { id: string; hostname: string }; created: boolean }> {
    return (await this.call('POST', '/v1/edge/machines', registration)) as { machine: { id: string; hostname: string }; created: boolean };
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.identity.controlPlaneUrl.replace(/\/+$/, '')}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.identity.credential}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      const code = ((error as { cause?: { code?: unknown } }).cause?.code as string | undefined) ?? '';
      throw new ControlPlaneError(`cannot reach the control plane: ${(error as Error).message}${code ? ` (${code})` : ''}`, null);
    }
    const json = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
    if (!response.ok) throw new ControlPlaneError(json.error?.message ?? `HTTP ${response.status}`, response.status);
    return json;
  }
}
