// Reading a connector's config (Kafka Connect's flat map of string keys to string values)
// into typed settings. Each getter throws InvalidConfigError naming the key, so a bad
// config is refused with the field at fault and nothing is started.
import { InvalidConfigError } from '../../core/errors.ts';

export type ConfigMap = Readonly<Record<string, string | number | boolean | undefined>>;

export class ConfigReader {
  constructor(private readonly map: ConfigMap) {}

  string(key: string, fallback?: string): string {
    const v = this.map[key];
    if (v === undefined || v === '') {
      if (fallback !== undefined) return fallback;
      throw new InvalidConfigError(`${key} is required`, { field: key });
    }
    return String(v);
  }

  optional(key: string): string | undefined {
    const v = this.map[key];
    return v === undefined || v === '' ? undefined : String(v);
  }

  int(key: string, fallback: number, min = 0): number {
    const raw = this.map[key];
    if (raw === undefined || raw === '') return fallback;
    const v = Number(raw);
    if (!Number.isSafeInteger(v) || v < min) throw new InvalidConfigError(`${key} must be an integer >= ${min}`, { field: key, value: String(raw) });
    return v;
  }

  bool(key: string, fallback: boolean): boolean {
    const raw = this.map[key];
    if (raw === undefined || raw === '') return fallback;
    if (raw === true || raw === 'true') return true;
    if (raw === false || raw === 'false') return false;
    throw new InvalidConfigError(`${key} must be true or false`, { field: key, value: String(raw) });
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const v = this.optional(key) ?? fallback;
    if (!(allowed as readonly string[]).includes(v)) {
      throw new InvalidConfigError(`${key} must be one of ${allowed.join(', ')}`, { field: key, value: v });
    }
    return v as T;
  }

  /** A comma-separated list, trimmed, empty items dropped. */
  list(key: string): string[] {
    return (this.optional(key) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
}
