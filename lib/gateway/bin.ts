// The gateway container's entry point (bundled by cdk/gateway.ts): run one node,
// configured by the environment, until the task is stopped.
import { main } from './main.ts';

main().catch((err: unknown) => {
  console.error(JSON.stringify({ level: 'ERROR', message: 'gateway failed to start', error: String(err) }));
  process.exit(1);
});
