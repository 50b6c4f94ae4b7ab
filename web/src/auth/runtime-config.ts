/**
 * What the portal learns at run time from `/config.json`, so one build serves every
 * hosting: the local host answers `{ authMode: 'local' }` (sign-in through the API), the
 * cloud deployment writes `{ authMode: 'cognito', region, userPoolClientId }`.
 */
export type RuntimeConfig = { authMode: 'local' } | { authMode: 'cognito'; region: string; userPoolClientId: string };

export async function loadRuntimeConfig(): Promise<RuntimeConfig> {
  let response: Response;
  try {
    response = await fetch('/config.json', { cache: 'no-store', headers: { accept: 'application/json' } });
  } catch (error) {
    throw new Error(`Cannot reach the Marrow portal's configuration (/config.json): ${(error as Error).message}`);
  }
  if (!response.ok) throw new Error(`The portal's configuration (/config.json) is missing (HTTP ${response.status}).`);
  return parseRuntimeConfig(await response.json());
}

export function parseRuntimeConfig(raw: unknown): RuntimeConfig {
  const value = raw as Record<string, unknown> | null;
  if (value?.authMode === 'local') return { authMode: 'local' };
  if (value?.authMode === 'cognito' && typeof value.region === 'string' && typeof value.userPoolClientId === 'string') {
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(value.region)) throw new Error(`config.json: "${value.region}" is not an AWS region`);
    return { authMode: 'cognito', region: value.region, userPoolClientId: value.userPoolClientId };
  }
  throw new Error('config.json: authMode must be "local" or "cognito" (with region and userPoolClientId)');
}
