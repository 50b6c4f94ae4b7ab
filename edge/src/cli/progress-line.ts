import type { ImportProgress } from '../import/import-master';

/**
 * Progress of a long command on stderr: on a terminal one line redrawn in place (\r), at most
 * four times a second; in a log (not a TTY) a plain line every `logEveryMs` and at each change
 * of phase or partition.
 */
export interface ProgressOutput {
  write(text: string): void;
  isTTY?: boolean;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}` : `${m}:${String(s).padStart(2, '0')}`;
}

export class ProgressLine {
  private lastDraw = 0;
  private lastKey = '';
  private phaseStart = 0;
  private phaseBaseBytes = 0;
  private drawn = false;

  constructor(
    private readonly out: ProgressOutput,
    private readonly clock: () => number = Date.now,
    private readonly logEveryMs = 10_000,
  ) {}

  update(progress: ImportProgress): void {
    const now = this.clock();
    const key = `${progress.phase}:${progress.partition ?? ''}`;
    const [done, total] = progress.phase === 'upload' ? [progress.uploadBytesDone, progress.uploadBytesTotal] : [progress.inputBytesDone, progress.inputBytesTotal];
    const changed = key !== this.lastKey;
    if (changed && progress.phase !== this.lastKey.split(':')[0]) {
      this.phaseStart = now;
      this.phaseBaseBytes = done;
    }
    const interval = this.out.isTTY ? 250 : this.logEveryMs;
    if (!changed && now - this.lastDraw < interval) return;
    this.lastKey = key;
    this.lastDraw = now;
    const text = this.describe(progress, done, total, now);
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[K${text}`);
      this.drawn = true;
    } else {
      this.out.write(`${text}\n`);
    }
  }

  /** Clears the redrawn line, so what follows starts on a clean one. */
  done(): void {
    if (this.out.isTTY && this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
  }

  private describe(progress: ImportProgress, done: number, total: number, now: number): string {
    if (progress.phase === 'register') return 'registering the backup image and promoting it to a master…';
    if (progress.phase === 'check') return 'asking the control plane which chunks the archive lacks…';
    if (progress.phase === 'upload' && total === 0) return 'nothing to upload: the archive holds every chunk already';
    const what = progress.phase === 'upload' ? 'uploading new chunks' : `reading partition ${progress.partition ?? ''}`.trim();
    const elapsed = (now - this.phaseStart) / 1000;
    const rate = elapsed > 0.5 ? (done - this.phaseBaseBytes) / elapsed : 0;
    const left = total - done;
    const eta = rate > 0 ? formatDuration((left / rate) * 1000) : '--:--';
    const percent = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 100;
    const speed = rate > 0 ? `${formatBytes(rate)}/s` : '-- MiB/s';
    if (this.out.isTTY) {
      const width = 24;
      const filled = Math.round((percent / 100) * width);
      return `${what.padEnd(22)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(percent).padStart(3)}%  ${formatBytes(done)} / ${formatBytes(total)}  ${speed}  ETA ${eta}`;
    }
    return `${what}: ${percent}% (${formatBytes(done)} of ${formatBytes(total)}), ${speed}, ETA ${eta}`;
  }
}
