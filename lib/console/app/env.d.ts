// Ambient declarations for the console's browser program (see tsconfig.json here).

/** Generated at build time (lib/console/server/build.ts): imports every file of pages/. */
declare module 'console:pages' {}

/**
 * lib/client/types.ts names Node's Buffer in the consumer's record type, which the
 * console never receives; in this program it is only bytes.
 */
type Buffer = Uint8Array;
