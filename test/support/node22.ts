// @platformatic/kafka targets Node 22; the test run is on Node 20. This supplies the one
// Node 22 built-in it uses (Promise.withResolvers, ES2024), for the tests that load it.
const P = Promise as unknown as { withResolvers?: unknown };
if (typeof P.withResolvers !== 'function') {
  P.withResolvers = function withResolvers<T>() {
    let resolve!: (v: T) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
