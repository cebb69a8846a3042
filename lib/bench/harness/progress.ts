// Progress on stderr: a one-line bar redrawn in place on a terminal, plain lines (phase
// started, phase done with its time) otherwise, so logs and CI output stay readable.

export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** The bar text for `fraction` done, `width` cells wide: `[#####.....]`. */
export function renderBar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(f * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

export class Progress {
  private phase = '';
  private step = 0;
  private done = 0;
  private total = 0;
  private started = 0;
  private lastDraw = 0;
  private drawn = false;
  private readonly tty: boolean;
  private readonly now: () => number;

  constructor(
    private readonly out: ProgressStream,
    /** Number of phases, for the `[3/8]` prefix. */
    private readonly phases: number,
    opts: { tty?: boolean; now?: () => number } = {},
  ) {
    this.tty = opts.tty ?? Boolean(out.isTTY);
    this.now = opts.now ?? (() => performance.now());
  }

  /** Starts the next phase; `total` 0 means no known amount of work. */
  start(phase: string, total = 0): void {
    this.finish();
    this.phase = phase;
    this.step++;
    this.done = 0;
    this.total = total;
    this.started = this.now();
    if (this.tty) this.draw(true);
    else this.out.write(`[${this.step}/${this.phases}] ${phase}…\n`);
  }

  /** Work done so far in this phase (absolute), optionally with a new total. */
  update(done: number, total?: number): void {
    this.done = done;
    if (total !== undefined) this.total = total;
    if (this.tty) this.draw(false);
  }

  tick(n = 1): void {
    this.update(this.done + n);
  }

  /** Ends the current phase (also done by the next start()). */
  finish(note?: string): void {
    if (!this.phase) return;
    const secs = ((this.now() - this.started) / 1000).toFixed(1);
    if (this.tty) this.clear();
    else this.out.write(`[${this.step}/${this.phases}] ${this.phase} done in ${secs} s${note ? ` (${note})` : ''}\n`);
    this.phase = '';
  }

  /** Plain message on its own line (the bar is redrawn after it). */
  log(line: string): void {
    if (this.tty) this.clear();
    this.out.write(`${line}\n`);
    if (this.tty && this.phase) this.draw(true);
  }

  line(): string {
    const head = `[${this.step}/${this.phases}] ${this.phase}`;
    if (this.total <= 0) return `${head} …`;
    const f = this.done / this.total;
    return `${head} ${renderBar(f, 24)} ${Math.floor(f * 100)}% (${this.done}/${this.total})`;
  }

  private draw(force: boolean): void {
    const now = this.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = Math.max(20, (this.out.columns ?? 80) - 1);
    this.out.write(`\r\x1b[K${this.line().slice(0, width)}`);
    this.drawn = true;
  }

  private clear(): void {
    if (this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
  }
}
