/**
 * Marrow's Wake-on-LAN sender inside a namespace:
 * `node --import tsx netns-wake-on-lan.ts '<WakeOnLanRequest as JSON>'`.
 * Prints {"sent":N} or {"error":…} (exit code 3).
 */
import { sendWakeOnLan, type WakeOnLanRequest } from '../../../edge/src/tasks/wake-on-lan';

try {
  const result = await sendWakeOnLan(JSON.parse(process.argv[2] ?? '{}') as WakeOnLanRequest);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ error: (error as Error).message })}\n`);
  process.exit(3);
}
