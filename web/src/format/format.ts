/**
 * How the portal writes sizes, dates, rates and durations: sizes in GB as the imaging
 * product always did (decimal, 10^9 bytes, like the "compressed size" column of masters),
 * formatSize going down to MB, kB or bytes below 1 GB, dates and numbers in the user's locale.
 */
const GB = 1e9;
const MB = 1e6;
const KB = 1e3;

export function formatGB(bytes: number, locale?: string): string {
  const gb = bytes / GB;
  const digits = gb !== 0 && gb < 10 ? 2 : 1;
  return `${new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(gb)} GB`;
}

/** A size of any magnitude: GB from 1 GB up (as formatGB), then MB, kB or bytes. */
export function formatSize(bytes: number, locale?: string): string {
  if (bytes >= GB) return formatGB(bytes, locale);
  const [value, unit] = bytes >= MB ? [bytes / MB, 'MB'] : bytes >= KB ? [bytes / KB, 'kB'] : [bytes, bytes === 1 ? 'byte' : 'bytes'];
  const digits = unit.startsWith('byte') ? 0 : value < 10 ? 2 : 1;
  return `${new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value)} ${unit}`;
}

export function formatMBps(bytesPerSecond: number, locale?: string): string {
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(bytesPerSecond / MB)} MB/s`;
}

export function formatPercent(ratio: number, locale?: string): string {
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(ratio);
}

export function formatNumber(value: number, locale?: string, maximumFractionDigits = 2): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits }).format(value);
}

export function formatDateTime(iso: string | null | undefined, locale?: string): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

export function formatDate(iso: string | null | undefined, locale?: string): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(date);
}

/** "3 minutes ago", "in 2 hours": for "last seen" and "reported". */
export function formatRelative(iso: string | null | undefined, now: Date = new Date(), locale?: string): string {
  if (!iso) return 'never';
  const seconds = (Date.parse(iso) - now.getTime()) / 1000;
  if (Number.isNaN(seconds)) return iso;
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const abs = Math.abs(seconds);
  if (abs < 45) return format.format(Math.round(seconds), 'second');
  if (abs < 2700) return format.format(Math.round(seconds / 60), 'minute');
  if (abs < 79_200) return format.format(Math.round(seconds / 3600), 'hour');
  if (abs < 2_592_000) return format.format(Math.round(seconds / 86_400), 'day');
  return formatDate(iso, locale);
}

/** Durations like an uptime or an ETA: "2 d 4 h", "3 min 20 s", "45 s". */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = s % 60;
  if (days) return hours ? `${days} d ${hours} h` : `${days} d`;
  if (hours) return minutes ? `${hours} h ${minutes} min` : `${hours} h`;
  if (minutes) return seconds ? `${minutes} min ${seconds} s` : `${minutes} min`;
  return `${seconds} s`;
}

/** Time left for a transfer at its current rate; null when it cannot be told. */
export function etaSeconds(bytesDone: number, bytesTotal: number, rateBytesPerSecond: number): number | null {
  if (bytesTotal <= 0 || rateBytesPerSecond <= 0) return null;
  return Math.max(0, (bytesTotal - bytesDone) / rateBytesPerSecond);
}
