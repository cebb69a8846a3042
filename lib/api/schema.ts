// JSON bodies checked by zod/mini schemas (strict: unknown fields are errors). Every
// failure is INVALID_REQUEST naming each offending field ("records[0].vlaue").
//
// zod/mini is zod's tree-shakable build: only the schema kinds and checks a bundle uses
// end up in it. Unlike zod classic it registers no locale, so without one every issue
// would read "Invalid input". The English messages of zod classic are handed to each
// parse instead of being installed globally, which keeps this module free of side effects.
//
// Kept apart from validation.ts, which the SDK-free health function imports: nothing of
// zod may reach that bundle.
import type * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { InvalidRequestError } from '../core/errors.ts';

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


/** `value` parsed by `schema`, else INVALID_REQUEST naming each offending field. */
export function validate<S extends z.ZodMiniType>(schema: S, value: unknown, what = 'request body'): z.output<S> {
  const result = schema.safeParse(value, PARSE_CONTEXT);
  if (!result.success) {
    throw new InvalidRequestError(describeIssues(result.error.issues, what), {
      fields: [...new Set(result.error.issues.map((i) => formatPath(i.path)))].filter(Boolean).slice(0, MAX_ISSUES),
    });
  }
  return result.data;
}
