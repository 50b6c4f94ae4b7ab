import middy from '@middy/core';
import { z } from 'zod';
import { handleEdgeMessage, type EdgeMessageDeps, type HandlingOutcome } from './edge-message-handler';

/**
 * What the edge-link topic rules deliver (infra/lib/constructs/edge-link.ts), one rule per
 * upward channel:
 *
 *   SELECT encode(*, 'base64') AS payload, topic() AS topic FROM 'marrow/+/+/health'
 *
 * The payload travels base64-encoded, byte for byte as the edge published it, rather than as
 * `SELECT *, topic() AS topic`: a payload that is not JSON still reaches the handler (and is
 * logged as rejected instead of failing inside the rule engine), and a message field named
 * `topic` could never be shadowed by the rule's own.
 */
export const iotRuleEventSchema = z.object({
  topic: z.string().min(1).max(256),
  payload: z.base64().max(200_000),
});
export type IotRuleEvent = z.infer<typeof iotRuleEventSchema>;

export type IotRuleLog = (entry: Record<string, unknown>) => void;

const jsonLog: IotRuleLog = (entry) => {
  const line = JSON.stringify(entry);
  if (entry.level === 'error' || entry.level === 'warn') console.warn(line);
  else console.log(line);
};

/**
 * The topic rules' Lambda: validates what the rule delivered and hands the message to the same
 * handler the local host calls from its aedes subscription.
 *
 * Outcomes decide retries. IoT Core invokes the function asynchronously: a thrown error makes
 * Lambda retry the event (twice) and then send it to the on-failure destination (the edge-link
 * dead-letter queue). So only failures worth retrying throw — storage trouble, bugs. A message
 * that breaks the contract (`rejected`) or that nobody can apply (`ignored`: unknown topic,
 * unknown or deleted imaging server) is final: it is logged and the invocation succeeds.
 */
export function createIotRuleHandler(deps: EdgeMessageDeps & { log?: IotRuleLog }) {
  const log = deps.log ?? jsonLog;
  return middy<unknown, HandlingOutcome>().handler(async (event) => {
    const parsed = iotRuleEventSchema.safeParse(event);
    if (!parsed.success) {
      log({ level: 'warn', message: 'IoT rule event is not { topic, payload(base64) }: check the rule SQL', issues: parsed.error.issues.slice(0, 5) });
      return 'rejected';
    }
    const { topic, payload } = parsed.data;
    const outcome = await handleEdgeMessage({ ...deps, log }, topic, Buffer.from(payload, 'base64'));
    if (outcome === 'rejected' || outcome === 'ignored') log({ level: 'warn', message: `edge message ${outcome}`, topic });
    return outcome;
  });
}
