// Date patterns as Java writes them, for the settings that take one: TimestampConverter's
// `format` and TimestampRouter's `timestamp.format` (java.text.SimpleDateFormat, in UTC as
// Kafka sets it), and the S3 sink's `path.format` (Joda-Time's DateTimeFormat, in the
// configured `timezone`). Both read the same letters but for one:
//
//   letter  meaning                        letter  meaning
//   G       era (AD)                       H k K h hour (0-23, 1-24, 0-11, 1-12)
//   y       year (yy: two digits)          m s     minute, second
//   Y       week year (simple) / year (joda)  S    millisecond (simple) / fraction (joda)
//   M L     month (MM 01, MMM Jan, MMMM January)  a  AM/PM
//   d D     day of month, day of year      E       day name (EEE Mon, EEEE Monday)
//   u       day of week (1 = Monday)       w W F   week in year, in month, day of week in month
//   z Z X   zone: UTC, +0000, Z / +00:00   'text'  literal ('' is a quote)
//
// Week fields follow the US locale of a default JVM (weeks start on Sunday; week 1 holds
// January 1). Parsing reads the same patterns (numbers greedily unless the next field is
// numeric too, then by the letter count), and, like SimpleDateFormat, ignores text after
// the pattern. Other letters are refused when the pattern is compiled.

export type DateDialect = 'simple' | 'joda';

type Token = { literal: string } | { letter: string; count: number };

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const LETTERS = new Set('GyYMLdDEuaHkKhmsSzZXwWF'.split(''));
const NUMERIC = new Set('yYdDuHkKhmsSwWF'.split(''));
const isNumeric = (t: { letter: string; count: number }) => NUMERIC.has(t.letter) || ((t.letter === 'M' || t.letter === 'L') && t.count < 3);

export class DatePattern {
  private readonly tokens: Token[];

  /** Throws IllegalArgument-style errors for letters Java would refuse. */
  constructor(
    readonly pattern: string,
    readonly dialect: DateDialect = 'simple',
  ) {
    this.tokens = tokenize(pattern);
  }

  /** The epoch-ms instant as text, in `timeZone` (an IANA name; default UTC). */
  format(epochMs: number, timeZone = 'UTC'): string {
    const offset = zoneOffsetMs(timeZone, epochMs);
    const f = fieldsOf(epochMs + offset);
    return this.tokens.map((t) => ('literal' in t ? t.literal : formatField(t.letter, t.count, f, offset, this.dialect, timeZone))).join('');
  }

  /** The instant the text names (UTC unless it carries a zone); throws when it does not match. */
  parse(text: string): number {
    const p: Parsed = { year: 1970, month: 0, day: 1, hour: 0, minute: 0, second: 0, ms: 0, pm: undefined, offsetMs: 0 };
    let at = 0;
    this.tokens.forEach((t, i) => {
      if ('literal' in t) {
        if (!text.startsWith(t.literal, at)) throw unparseable(text, this.pattern);
        at += t.literal.length;
        return;
      }
      const next = this.tokens[i + 1];
      const fixed = next !== undefined && 'letter' in next && isNumeric(next) ? t.count : undefined;
      at = parseField(t, text, at, fixed, p, this.pattern);
    });
    let hour = p.hour;
    if (p.pm !== undefined) hour = (hour % 12) + (p.pm ? 12 : 0);
    return Date.UTC(p.year, p.month, p.day, hour, p.minute, p.second, p.ms) - p.offsetMs;
  }
}

function tokenize(pattern: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const literal = (s: string) => {
    const last = tokens.at(-1);
    if (last && 'literal' in last) last.literal += s;
    else tokens.push({ literal: s });
  };
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "'") {
      if (pattern[i + 1] === "'") {
        literal("'");
        i += 2;
        continue;
      }
      // Quoted text; inside it, '' is one quote.
      let j = i + 1;
      let text = '';
      for (;;) {
        if (j >= pattern.length) throw new Error(`Unterminated quote in date pattern '${pattern}'`);
        if (pattern[j] === "'" && pattern[j + 1] === "'") {
          text += "'";
          j += 2;
        } else if (pattern[j] === "'") {
          break;
        } else {
          text += pattern[j++];
        }
      }
      literal(text);
      i = j + 1;
    } else if (/[a-zA-Z]/.test(c)) {
      if (!LETTERS.has(c)) throw new Error(`Illegal pattern character '${c}' in '${pattern}'`);
      let n = 1;
      while (pattern[i + n] === c) n++;
      tokens.push({ letter: c, count: n });
      i += n;
    } else {
      literal(c);
      i++;
    }
  }
  return tokens;
}

/** A date and time of day, field by field. */
interface DateTimeParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
}

interface Fields extends DateTimeParts {
  weekday: number;
  dayOfYear: number;
}

function fieldsOf(shifted: number): Fields {
  const d = new Date(shifted);
  const year = d.getUTCFullYear();
  return {
    year,
    month: d.getUTCMonth(),
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    ms: d.getUTCMilliseconds(),
    weekday: d.getUTCDay(),
    dayOfYear: Math.floor((Date.UTC(year, d.getUTCMonth(), d.getUTCDate()) - Date.UTC(year, 0, 1)) / 86_400_000) + 1,
  };
}

/** US weeks (Sunday first, week 1 holds January 1): [week year, week of year]. */
function usWeek(f: Fields): [number, number] {
  const jan1 = new Date(Date.UTC(f.year, 0, 1)).getUTCDay();
  const daysToSaturday = 6 - f.weekday;
  const endOfWeek = Date.UTC(f.year, f.month, f.day + daysToSaturday);
  if (new Date(endOfWeek).getUTCFullYear() > f.year) return [f.year + 1, 1];
  return [f.year, Math.floor((f.dayOfYear - 1 + jan1) / 7) + 1];
}

const pad = (n: number, width: number) => (n < 0 ? `-${String(-n).padStart(width, '0')}` : String(n).padStart(width, '0'));

function offsetText(offsetMs: number, colon: boolean): string {
  const total = Math.round(Math.abs(offsetMs) / 60_000);
  const sign = offsetMs < 0 ? '-' : '+';
  return `${sign}${pad(Math.floor(total / 60), 2)}${colon ? ':' : ''}${pad(total % 60, 2)}`;
}

function formatField(letter: string, count: number, f: Fields, offset: number, dialect: DateDialect, timeZone: string): string {
  const text = (full: string) => (count >= 4 ? full : full.slice(0, 3));
  switch (letter) {
    case 'G':
      return 'AD';
    case 'y':
      return count === 2 ? pad(f.year % 100, 2) : pad(f.year, count);
    case 'Y':
      if (dialect === 'joda') return count === 2 ? pad(f.year % 100, 2) : pad(f.year, count);
      return count === 2 ? pad(usWeek(f)[0] % 100, 2) : pad(usWeek(f)[0], count);
    case 'M':
    case 'L':
      return count >= 3 ? text(MONTHS[f.month]!) : pad(f.month + 1, count);
    case 'd':
      return pad(f.day, count);
    case 'D':
      return pad(f.dayOfYear, count);
    case 'E':
      return text(DAYS[f.weekday]!);
    case 'u':
      return pad(f.weekday === 0 ? 7 : f.weekday, count);
    case 'a':
      return f.hour < 12 ? 'AM' : 'PM';
    case 'H':
      return pad(f.hour, count);
    case 'k':
      return pad(f.hour === 0 ? 24 : f.hour, count);
    case 'K':
      return pad(f.hour % 12, count);
    case 'h':
      return pad(f.hour % 12 === 0 ? 12 : f.hour % 12, count);
    case 'm':
      return pad(f.minute, count);
    case 's':
      return pad(f.second, count);
    case 'S':
      return dialect === 'joda' ? pad(f.ms, 3).slice(0, count).padEnd(count, '0') : pad(f.ms, count);
    case 'w':
      return pad(usWeek(f)[1], count);
    case 'W':
      return pad(Math.floor((f.day - 1 + new Date(Date.UTC(f.year, f.month, 1)).getUTCDay()) / 7) + 1, count);
    case 'F':
      return pad(Math.floor((f.day - 1) / 7) + 1, count);
    case 'z':
      return offset === 0 ? (timeZone === 'UTC' ? 'UTC' : 'GMT') : `GMT${offsetText(offset, true)}`;
    case 'Z':
      return offsetText(offset, false);
    default: // 'X'
      if (offset === 0) return 'Z';
      return count === 1 ? offsetText(offset, false).slice(0, 3) : offsetText(offset, count >= 3);
  }
}

interface Parsed extends DateTimeParts {
  pm: boolean | undefined;
  offsetMs: number;
}

const unparseable = (text: string, pattern: string) => new Error(`Unparseable date: "${text}" does not match pattern (${pattern})`);

function parseField(t: { letter: string; count: number }, text: string, at: number, fixed: number | undefined, p: Parsed, pattern: string): number {
  const fail = () => unparseable(text, pattern);
  if (NUMERIC.has(t.letter)) {
    const m = (fixed ? new RegExp(`^[+-]?\\d{1,${fixed}}`) : /^[+-]?\d+/).exec(text.slice(at));
    if (!m) throw fail();
    let n = Number(m[0]);
    if ((t.letter === 'y' || t.letter === 'Y') && t.count <= 2 && m[0].length === 2) n += n < 70 ? 2000 : 1900;
    const set: Record<string, () => void> = {
      y: () => (p.year = n),
      Y: () => (p.year = n),
      d: () => (p.day = n),
      H: () => (p.hour = n),
      k: () => (p.hour = n % 24),
      K: () => (p.hour = n),
      h: () => (p.hour = n % 12),
      m: () => (p.minute = n),
      s: () => (p.second = n),
      S: () => (p.ms = n),
      D: () => ((p.month = 0), (p.day = n)),
    };
    set[t.letter]?.();
    return at + m[0].length;
  }
  const rest = text.slice(at);
  const word = (names: string[]) => {
    for (const [i, full] of names.entries()) {
      for (const cand of [full, full.slice(0, 3)]) if (rest.toLowerCase().startsWith(cand.toLowerCase())) return [i, cand.length] as const;
    }
    throw fail();
  };
  switch (t.letter) {
    case 'M':
    case 'L': {
      if (t.count >= 3) {
        const [i, len] = word(MONTHS);
        p.month = i;
        return at + len;
      }
      const m = (fixed ? new RegExp(`^\\d{1,${fixed}}`) : /^\d+/).exec(rest);
      if (!m) throw fail();
      p.month = Number(m[0]) - 1;
      return at + m[0].length;
    }
    case 'E':
      return at + word(DAYS)[1];
    case 'a': {
      const [i, len] = word(['AM', 'PM']);
      p.pm = i === 1;
      return at + len;
    }
    case 'G':
      if (!rest.startsWith('AD')) throw fail();
      return at + 2;
    default: {
      // z Z X
      const m = /^(Z|UTC|GMT)?(?:([+-])(\d{2}):?(\d{2})?)?/.exec(rest);
      if (!m || m[0] === '') throw fail();
      p.offsetMs = m[2] ? (m[2] === '-' ? -1 : 1) * (Number(m[3]) * 60 + Number(m[4] ?? 0)) * 60_000 : 0;
      return at + m[0].length;
    }
  }
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** Milliseconds to add to UTC to get local time in `timeZone` at that instant. */
export function zoneOffsetMs(timeZone: string, epochMs: number): number {
  if (timeZone === 'UTC') return 0;
  let fmt = offsetFormats.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    offsetFormats.set(timeZone, fmt);
  }
  const parts = Object.fromEntries(fmt.formatToParts(new Date(epochMs)).map((x) => [x.type, Number(x.value)]));
  const local = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return local - Math.floor(epochMs / 1000) * 1000;
}

/** True when `timeZone` is a zone Intl knows (an IANA name or UTC). */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}
