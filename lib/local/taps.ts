// Taps on a local stack's storage clients: functions that see every DynamoDB and S3 call
// the stack's clients send (operation, input, output) and wrap the sending, so tools
// such as the benchmarks can count, size and time the storage work of the real code
// paths without reaching into them. A tap is installed as SDK middleware when the stack
// creates its clients (LocalStackOptions.taps), before anything else uses them.
import type { StorageClients } from '../storage/clients.ts';

/** One call as the stack's clients send it. */
export interface StorageCall {
  service: 'dynamodb' | 's3';
  /** The SDK command's name without `Command`: GetItem, TransactWriteItems, PutObject… */
  operation: string;
  /** The command's input as sent; a tap reads it and must not change it. */
  input: Readonly<Record<string, unknown>>;
}

export type StorageOutput = Readonly<Record<string, unknown>>;

/**
 * Sees one call: calls `send` exactly once and lets what it throws through. The output
 * `send` resolves to is the SDK's, body streams included, which a tap must not consume;
 * the caller gets that output whatever the tap resolves to.
 */
export type StorageTap = (call: StorageCall, send: () => Promise<StorageOutput>) => Promise<unknown>;

type Next = (args: { input: Record<string, unknown> }) => Promise<{ output: StorageOutput }>;
interface MiddlewareStack {
  add(middleware: (next: Next, context: { commandName?: string }) => Next, options: { step: 'initialize'; name: string }): void;
}

let installed = 0;

/** Installs `taps` on both clients, the first outermost (it sees the others' time too). */
export function installTaps(clients: Pick<StorageClients, 'ddb' | 's3'>, taps: readonly StorageTap[]): void {
  for (const [service, client] of [['dynamodb', clients.ddb], ['s3', clients.s3]] as const) {
    // Within a step the SDK runs middleware in the order it was added, outermost first.
    for (const tap of taps) {
      (client.middlewareStack as unknown as MiddlewareStack).add(
        (next, context) => async (args) => {
          const call: StorageCall = { service, operation: (context.commandName ?? 'Unknown').replace(/Command$/, ''), input: args.input };
          let result: { output: StorageOutput } | undefined;
          await tap(call, async () => (result = await next(args)).output);
          if (!result) throw new Error(`a storage tap returned without sending ${service}.${call.operation}`);
          return result;
        },
        { step: 'initialize', name: `sluice-storage-tap-${++installed}` },
      );
    }
  }
}
