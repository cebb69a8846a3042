// The validators of Kafka's ConfigDef and of the transforms module, with Kafka's messages:
// Range.atLeast / between, ValidString.in, CaseInsensitiveValidString.in, NonEmptyString,
// NonNullValidator, NonEmptyListValidator, RegexValidator, LambdaValidator, CompositeValidator.
import { ConfigException } from '../data/exceptions.ts';
import { compileJavaRegex } from '../data/regex.ts';
import type { Validator } from './def.ts';

const validator = (describe: string, ensureValid: (name: string, value: unknown) => void): Validator => ({
  ensureValid,
  toString: () => describe,
});

export const Range = {
  atLeast: (min: number): Validator => Range.between(min, undefined),
  between: (min: number | undefined, max: number | undefined): Validator =>
    validator(
      min !== undefined && max !== undefined ? `[${min},...,${max}]` : min !== undefined ? `[${min},...]` : `[...,${max}]`,
      (name, value) => {
        if (value === null || value === undefined) throw new ConfigException(name, null, 'Value must be non-null');
        const n = Number(value);
        if (min !== undefined && n < min) throw new ConfigException(name, value, `Value must be at least ${min}`);
        if (max !== undefined && n > max) throw new ConfigException(name, value, `Value must be no more than ${max}`);
      },
    ),
};

export const ValidString = {
  in: (...valid: string[]): Validator =>
    validator(`[${valid.join(', ')}]`, (name, value) => {
      if (!valid.includes(value as string)) throw new ConfigException(name, value, `String must be one of: ${valid.join(', ')}`);
    }),
};

export const CaseInsensitiveValidString = {
  in: (...valid: string[]): Validator =>
    validator(`(case insensitive) [${valid.join(', ')}]`, (name, value) => {
      const v = typeof value === 'string' ? value.toUpperCase() : value;
      if (!valid.some((s) => s.toUpperCase() === v)) {
        throw new ConfigException(name, value, `String must be one of (case insensitive): ${valid.join(', ')}`);
      }
    }),
};

export const NonEmptyString: Validator = validator('non-empty string', (name, value) => {
  if (typeof value === 'string' && value.length === 0) throw new ConfigException(name, value, 'String must be non-empty');
});

export const NonNullValidator: Validator = validator('non-null string', (name, value) => {
  if (value === null || value === undefined) throw new ConfigException(name, null, 'entry must be non null');
});

export const NonEmptyListValidator: Validator = validator('non-empty list', (name, value) => {
  if (!Array.isArray(value) || value.length === 0) throw new ConfigException(name, value, 'Empty list');
});

export const RegexValidator: Validator = validator('valid regex', (name, value) => {
  try {
    compileJavaRegex(String(value));
  } catch (err) {
    throw new ConfigException(name, value, `Invalid regex: ${(err as Error).message}`);
  }
});

/** Names without control characters (Kafka's nonEmptyStringWithoutControlChars). */
export const NonEmptyStringWithoutControlChars: Validator = validator('non-empty string without ISO control characters', (name, value) => {
  if (value === null || value === undefined) throw new ConfigException(name, null, 'String may not be null');
  const s = String(value);
  if (s.length === 0) throw new ConfigException(name, value, 'String may not be empty');
  const bad = [...s].filter((c) => /[\u0000-\u001f\u007f-\u009f]/.test(c)).map((c) => c.codePointAt(0));
  if (bad.length) throw new ConfigException(name, value, `String may not contain control sequences but had the following ASCII chars: ${bad.join(', ')}`);
});

export const LambdaValidator = {
  with: (ensureValid: (name: string, value: unknown) => void, describe: () => string): Validator => validator(describe(), ensureValid),
};

export const CompositeValidator = {
  of: (...validators: Validator[]): Validator =>
    validator(validators.map(String).join(', '), (name, value) => {
      for (const v of validators) v.ensureValid(name, value);
    }),
};
