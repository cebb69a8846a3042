// The one error list: each class has its own code, every class survives the trip through
// an API error body, and the SDK exports every class of the list.
import { describe, expect, it } from 'vitest';
import * as sdkErrors from '../../../lib/client/errors.ts';
import { ERROR_CLASSES, errorFromBody, SluiceError } from '../../../lib/core/errors.ts';

describe('the error list', () => {
  it('gives every class a code of its own', () => {
    const codes = ERROR_CLASSES.map((C) => C.code);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it.each(ERROR_CLASSES.map((C) => [C.name, C] as const))('rebuilds %s from its response body', (_name, C) => {
    const raised = new C('boom', { topic: 'orders' });
    const rebuilt = errorFromBody(raised.status, JSON.parse(JSON.stringify(raised)));
    expect(rebuilt).toBeInstanceOf(C);
    expect(rebuilt).toMatchObject({ code: C.code, status: C.status, retriable: C.retriable, message: 'boom' });
    expect(rebuilt.details).toEqual({ topic: 'orders' });
  });

  it('keeps an unknown code as a plain SluiceError, retriable when the status says so', () => {
    const err = errorFromBody(503, { error: { code: 'SOMETHING_NEW', message: 'later' } });
    expect(err).toBeInstanceOf(SluiceError);
    expect(err).toMatchObject({ code: 'SOMETHING_NEW', status: 503, retriable: true });
  });

  it('is what the SDK exports, class for class', () => {
    const exported = new Set<unknown>(Object.values(sdkErrors));
    for (const C of ERROR_CLASSES) expect(exported.has(C)).toBe(true);
  });
});
