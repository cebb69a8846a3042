// Window definitions on event time, with Kafka Streams' names and rules:
// - TimeWindows: fixed size, epoch-aligned; tumbling, or hopping with advanceBy().
//   Window [start, end); a record belongs to every window with start <= ts < end.
// - SlidingWindows: fixed size (the time difference), [start, end] inclusive; windows exist
//   where records are (each record's left window [ts - d, ts] and, when it holds records,
//   its right window [ts + 1, ts + 1 + d]), as Kafka's sliding windows.
// - SessionWindows: per key, records less than the inactivity gap apart form one session
//   [first ts, last ts]; a record between two sessions merges them.
//
// Grace and closing. A window closes when stream time reaches closesAt(window); from then
// on it never changes: a record that would change it is late, dropped and counted. Time
// windows close at end + grace, sliding windows at end + grace + 1 (their end is
// inclusive), both as in Kafka. Session windows close at end + gap + grace + 1, later than
// Kafka's end + grace: until then a new record could still extend the session, and a
// "final" result emitted before that could be followed by a bigger session.
//
// Retention (how long a window store keeps a window after its start, for queries) must
// cover at least the closing; the defaults are exactly that.
import { InvalidTopologyError } from '../../core/errors.ts';
import type { Window } from '../serdes.ts';

function checkDuration(name: string, ms: number, min: number): void {
  if (!Number.isSafeInteger(ms) || ms < min) {
    throw new InvalidTopologyError(`${name} must be an integer of ms >= ${min}, got ${ms}`, { [name]: ms });
  }
}

function retention(kind: string, wanted: number | undefined, minimum: number): number {
  if (wanted === undefined) return minimum;
  checkDuration('retention', wanted, 1);
  if (wanted < minimum) {
    throw new InvalidTopologyError(`the retention of ${kind} windows must be at least ${minimum} ms (window and grace), got ${wanted}`, {
      retentionMs: wanted,
      minimum,
    });
  }
  return wanted;
}

export class TimeWindows {
  readonly kind = 'time' as const;

  private constructor(
    readonly sizeMs: number,
    readonly advanceMs: number,
    readonly graceMs: number,
  ) {
    checkDuration('size', sizeMs, 1);
    checkDuration('grace', graceMs, 0);
    if (!Number.isSafeInteger(advanceMs) || advanceMs < 1 || advanceMs > sizeMs) {
      throw new InvalidTopologyError(`advance must be in [1, size], got ${advanceMs}`, { advanceMs });
    }
  }

  static ofSizeWithNoGrace(sizeMs: number): TimeWindows {
    return new TimeWindows(sizeMs, sizeMs, 0);
  }

  static ofSizeAndGrace(sizeMs: number, graceMs: number): TimeWindows {
    return new TimeWindows(sizeMs, sizeMs, graceMs);
  }

  /** Hopping windows: a new window every `advanceMs`. */
  advanceBy(advanceMs: number): TimeWindows {
    return new TimeWindows(this.sizeMs, advanceMs, this.graceMs);
  }

  /** The windows a timestamp falls in, aligned to the epoch. */
  windowsFor(ts: number): Window[] {
    const out: Window[] = [];
    let start = Math.floor(Math.max(0, ts - this.sizeMs + this.advanceMs) / this.advanceMs) * this.advanceMs;
    for (; start <= ts; start += this.advanceMs) out.push({ start, end: start + this.sizeMs });
    return out;
  }

  closesAt(w: Window): number {
    return w.end + this.graceMs;
  }

  retentionFor(wanted: number | undefined): number {
    return retention('time', wanted, this.sizeMs + this.graceMs);
  }
}

export class SlidingWindows {
  readonly kind = 'sliding' as const;

  private constructor(
    readonly timeDifferenceMs: number,
    readonly graceMs: number,
  ) {
    checkDuration('time difference', timeDifferenceMs, 1);
    checkDuration('grace', graceMs, 0);
  }

  static ofTimeDifferenceWithNoGrace(timeDifferenceMs: number): SlidingWindows {
    return new SlidingWindows(timeDifferenceMs, 0);
  }

  static ofTimeDifferenceAndGrace(timeDifferenceMs: number, graceMs: number): SlidingWindows {
    return new SlidingWindows(timeDifferenceMs, graceMs);
  }

  get sizeMs(): number {
    return this.timeDifferenceMs;
  }

  closesAt(w: Window): number {
    return w.end + this.graceMs + 1;
  }

  /**
   * At least size + grace as Kafka asks; the store keeps windows longer when needed, for
   * an in-grace record looks back up to two window sizes for the aggregates it builds on.
   */
  retentionFor(wanted: number | undefined): number {
    return Math.max(retention('sliding', wanted, this.timeDifferenceMs + this.graceMs), 3 * this.timeDifferenceMs + this.graceMs + 1);
  }
}

export class SessionWindows {
  readonly kind = 'session' as const;

  private constructor(
    readonly inactivityGapMs: number,
    readonly graceMs: number,
  ) {
    checkDuration('inactivity gap', inactivityGapMs, 1);
    checkDuration('grace', graceMs, 0);
  }

  static ofInactivityGapWithNoGrace(gapMs: number): SessionWindows {
    return new SessionWindows(gapMs, 0);
  }

  static ofInactivityGapAndGrace(gapMs: number, graceMs: number): SessionWindows {
    return new SessionWindows(gapMs, graceMs);
  }

  closesAt(w: Window): number {
    return w.end + this.inactivityGapMs + this.graceMs + 1;
  }

  /** Retention counts from the session's end; a session is kept at least until it closes. */
  retentionFor(wanted: number | undefined): number {
    return Math.max(retention('session', wanted, this.inactivityGapMs + this.graceMs), this.inactivityGapMs + this.graceMs + 1);
  }
}
