// Lambda entry point of the 'transactions' function (see FUNCTIONS in lib/api/routes.ts). Only its
// own operations are imported, so the bundle carries no other function's code.
import { transactionOperations } from '../lib/api/operations/transactions.ts';
import { createHttpHandler } from '../lib/runtime/http.ts';
import { logFromEnv } from '../lib/runtime/storage.ts';

export const handler = createHttpHandler({ fn: 'transactions', operations: transactionOperations, log: logFromEnv });
