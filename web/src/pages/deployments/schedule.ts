/**
 * The start time of a deployment: the date and time the user picks in their own time zone,
 * sent as a UTC timestamp (the API's format). Null when unset or not a valid date.
 */
export function scheduledAtFrom(date: string, time: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !/^\d{2}:\d{2}$/.test(time)) return null;
  const local = new Date(`${date}T${time}:00`);
  return Number.isNaN(local.getTime()) ? null : local.toISOString();
}

/** Why a schedule cannot be used, or null. */
export function scheduleProblem(date: string, time: string, now: Date = new Date()): string | null {
  if (!date || !time) return 'Choose a date and a time.';
  const at = scheduledAtFrom(date, time);
  if (!at) return 'Enter a valid date (YYYY/MM/DD) and time (hh:mm).';
  if (Date.parse(at) <= now.getTime()) return 'Choose a time in the future.';
  return null;
}
