// The SDK's errors: every error the API can answer, rebuilt as the same typed class the
// server raised (errorFromBody), plus the few the client raises on its own — all from the
// one list in lib/core/errors.ts. All are SluiceErrors: `instanceof` a class, or switch
// on `.code`; `.retriable` says whether trying again may help (the SDK already retried).
export * from '../core/errors.ts';
