// JoinWindows (Kafka's name): how far apart in event time two records of a stream-stream
// join may be. A left record at t joins right records with t - before <= t' <= t + after
// (symmetric by default: before = after = the time difference). Grace is how long after
// that window ends (in stream time) a record of either side is still accepted.
import { InvalidTopologyError } from '../../core/errors.ts';

function check(name: string, ms: number): void {
  if (!Number.isSafeInteger(ms)) throw new InvalidTopologyError(`${name} must be an integer of ms, got ${ms}`);
}

export class JoinWindows {
  private constructor(
    readonly beforeMs: number,
    readonly afterMs: number,
    readonly graceMs: number,
  ) {
    check('before', beforeMs);
    check('after', afterMs);
    check('grace', graceMs);
    if (beforeMs + afterMs < 0) throw new InvalidTopologyError(`a join window's size (before + after) must be >= 0, got ${beforeMs + afterMs}`);
    if (graceMs < 0) throw new InvalidTopologyError(`grace must be >= 0, got ${graceMs}`);
  }

  static ofTimeDifferenceWithNoGrace(differenceMs: number): JoinWindows {
    return new JoinWindows(differenceMs, differenceMs, 0);
  }

  static ofTimeDifferenceAndGrace(differenceMs: number, graceMs: number): JoinWindows {
    return new JoinWindows(differenceMs, differenceMs, graceMs);
  }

  /** Right records may be up to `ms` older than the left one. */
  before(ms: number): JoinWindows {
    return new JoinWindows(ms, this.afterMs, this.graceMs);
  }

  /** Right records may be up to `ms` newer than the left one. */
  after(ms: number): JoinWindows {
    return new JoinWindows(this.beforeMs, ms, this.graceMs);
  }

  get sizeMs(): number {
    return this.beforeMs + this.afterMs;
  }
}
