// @platformatic/kafka targets Node 22; the test run is on Node 20. This supplies the one
// Node 22 built-in it uses (Promise.withResolvers, ES2024), for the tests that load it.
import { deferred } from '../../lib/client/deferred.ts';

const P = Promise as unknown as { withResolvers?: unknown };
if (typeof P.withResolvers !== 'function') P.withResolvers = deferred;
