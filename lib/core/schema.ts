// Requests checked by zod/mini schemas (strict: unknown fields are errors). Each feature
// owns the schemas of its requests (lib/groups/schema.ts, lib/log/schema.ts,
// lib/subscriptions/schema.ts); the HTTP API and direct callers go through the same ones.
//
// A malformed value (wrong type, unknown field, out of its shape) is INVALID_REQUEST
// naming each offending field ("records[0].vlaue"). A value of the right shape that breaks
// a domain rule (a topic name with a slash, a session timeout out of range) gets that
// rule's own error (INVALID_TOPIC_EXCEPTION, INVALID_SESSION_TIMEOUT, ...): a schema
// states such a rule with `rule` or `convert`, which carry the rule's SluiceError. Shape
// is judged first: only a value whose every issue is a rule's gets the first rule's error.
//
// zod/mini is zod's tree-shakable build: only the schema kinds and checks a bundle uses
// end up in it. Unlike zod classic it registers no locale, so without one every issue
// would read "Invalid input". The English messages of zod classic are handed to each
// parse instead of being installed globally, which keeps this module free of side effects.
//
// Nothing here is imported by the SDK or by the API's zod-free validation.ts (which the
// health function's bundle carries): zod reaches only the bundles that parse bodies.
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { InvalidRequestError, isSluiceError, type SluiceError } from './errors.ts';

/** zod classic's default messages: "Invalid input: expected string, received number". */
const PARSE_CONTEXT = { error: en().localeError } as const;

/** "records[0].headers.source" from a zod issue path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

/** Issues named in a message (and in `fields`) at most. */
const MAX_ISSUES = 5;

/** One readable sentence for a failed parse, naming each offending field. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], what = 'request body'): string {
  const parts = issues.slice(0, MAX_ISSUES).map((issue) => {
    const at = formatPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      const fields = issue.keys.map((k) => (at ? `${at}.${k}` : k));
      return `unknown field${fields.length > 1 ? 's' : ''} ${fields.map((f) => `'${f}'`).join(', ')}`;
    }
    if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message) && at) return `'${at}' is required`;
    return at ? `'${at}': ${issue.message}` : issue.message;
  });
  const more = issues.length > MAX_ISSUES ? ` (and ${issues.length - MAX_ISSUES} more)` : '';
  return `Invalid ${what}: ${parts.join('; ')}${more}.`;
}


/** The rule's error an issue carries (see `rule`), if it is a rule's. */
const ruleError = (issue: z.core.$ZodIssue): SluiceError | undefined => {
  const error = issue.code === 'custom' ? issue.params?.error : undefined;
  return isSluiceError(error) ? error : undefined;
};

/**
 * `value` parsed by `schema`. Else INVALID_REQUEST naming each offending field, or, when
 * every issue is a broken domain rule, the first rule's own error.
 */
export function validate<S extends z.ZodMiniType>(schema: S, value: unknown, what = 'request body'): z.output<S> {
  const result = schema.safeParse(value, PARSE_CONTEXT);
  if (result.success) return result.data;
  const shape = result.error.issues.filter((i) => !ruleError(i));
  if (shape.length === 0) throw ruleError(result.error.issues[0]!)!;
  throw new InvalidRequestError(describeIssues(shape, what), {
    fields: [...new Set(shape.map((i) => formatPath(i.path)))].filter(Boolean).slice(0, MAX_ISSUES),
  });
}

/** The issue that reports a rule's error (validate throws the error itself). */
function ruleIssue(err: unknown, input: unknown): z.core.$ZodRawIssue {
  if (!isSluiceError(err)) throw err;
  return { code: 'custom', message: err.message, input, params: { error: err } };
}

/**
 * A check stating a domain rule: `check` throws the SluiceError that says what is wrong
 * (validateTopicName's INVALID_TOPIC_EXCEPTION, ...). It runs once the value has its
 * shape; its error is the answer unless the request is malformed elsewhere too.
 */
export function rule<T>(check: (value: T) => void): z.core.$ZodCheck<T> {
  return z.superRefine<T>((value, ctx) => {
    try {
      check(value);
    } catch (err) {
      ctx.addIssue(ruleIssue(err, value));
    }
  });
}

/** Like `rule`, for a rule that also converts the value (an ISO date to epoch ms, a config to its canonical form). */
export function convert<I, O>(fn: (value: I) => O) {
  return z.transform<I, O>((value, ctx) => {
    try {
      return fn(value);
    } catch (err) {
      ctx.issues.push(ruleIssue(err, value));
      return z.NEVER;
    }
  });
}
