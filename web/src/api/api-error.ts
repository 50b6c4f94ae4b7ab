/**
 * What the portal knows about a failed API call. Error bodies are
 * `{ error: { code, message, details? } }`; a 400 names each field it refuses
 * ("body.lines.1: line 2: unknown command …"), so forms can show the problem where it is.
 */
export interface FieldProblem {
  /** The API's path of the field, e.g. "body.lines.1" or "query.confirm". */
  field: string;
  message: string;
}

export type ApiErrorKind =
  | 'network'
  | 'invalid-request'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'server';

export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly kind: ApiErrorKind,
    /** The stable code of the API, e.g. "conflict" or "version-conflict". */
    readonly code: string,
    message: string,
    readonly problems: readonly FieldProblem[] = [],
  ) {
    super(message);
  }

  /** The problem of one field (exact path), if the API named it. */
  problemOf(field: string): string | undefined {
    return this.problems.find((p) => p.field === field)?.message;
  }

  /** Problems under a field prefix, keyed by the rest of the path ("body.lines" → {"1": "…"}). */
  problemsUnder(prefix: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const p of this.problems) {
      if (p.field.startsWith(`${prefix}.`)) out[p.field.slice(prefix.length + 1)] = p.message;
    }
    return out;
  }
}

function kindOf(status: number): ApiErrorKind {
  if (status === 400) return 'invalid-request';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 409) return 'conflict';
  return 'server';
}

/** Splits "body.mac: must be …; body.hostname: must …" into field problems. */
export function parseFieldProblems(message: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const part of message.split(/;\s+(?=(?:body|query)\.[\w.]+:\s)/)) {
    const match = /^((?:body|query)(?:\.[\w-]+)*):\s([\s\S]*)$/.exec(part.trim());
    if (match) problems.push({ field: match[1]!, message: match[2]! });
  }
  return problems;
}

/** Maps an HTTP answer that is not 2xx to an ApiError with a message written for people. */
export function errorFromResponse(status: number, body: unknown): ApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  const code = typeof error?.code === 'string' ? error.code : `http-${status}`;
  const serverMessage = typeof error?.message === 'string' ? error.message : '';
  const kind = kindOf(status);
  const details = error?.details as { problems?: FieldProblem[] } | undefined;
  const problems = Array.isArray(details?.problems) ? details.problems : parseFieldProblems(serverMessage);
  let message = problems.length ? problems.map(describeProblem).join('; ') : serverMessage;
  if (!message) {
    message =
      kind === 'server'
        ? `The Marrow service had a problem (HTTP ${status}). Try again in a moment.`
        : `The request was refused (HTTP ${status}).`;
  } else if (status >= 500) {
    message = `The Marrow service had a problem: ${serverMessage}. Try again in a moment.`;
  }
  return new ApiError(status, kind, code, capitalise(message), problems);
}

export function networkError(cause: unknown): ApiError {
  const detail = cause instanceof Error && cause.message ? ` (${cause.message})` : '';
  return new ApiError(0, 'network', 'network', `Cannot reach the Marrow API. Check your connection and try again${detail}.`);
}

/** "body.mac" + "must be …" → "mac: must be …"; messages that already say "line N:" stay as they are. */
export function describeProblem(problem: FieldProblem): string {
  if (/^line \d+:/.test(problem.message)) return problem.message;
  const name = problem.field.split('.').filter((s) => s !== 'body' && s !== 'query' && !/^\d+$/.test(s)).at(-1);
  return name ? `${fieldLabels[name] ?? name}: ${problem.message}` : problem.message;
}

/** The users' names of the API's fields, for messages that are not shown next to their field. */
const fieldLabels: Record<string, string> = {
  mac: 'MAC address',
  hostname: 'Hostname',
  uuid: 'SMBIOS UUID',
  ipxeScript: 'iPXE snippet',
  defaultItemId: 'Default selection',
  timeoutSeconds: 'Timeout',
  machineIds: 'Machines',
  masterId: 'Master',
  postImagingScriptIds: 'Post-imaging scripts',
  scheduledAt: 'Schedule',
  parentId: 'Parent entity',
  entityId: 'Entity',
  confirm: 'Confirmation',
  label: 'Label',
  name: 'Name',
  description: 'Description',
  username: 'Username',
  password: 'Password',
  order: 'Order',
};

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A message for any error thrown while talking to the API. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
