#!/usr/bin/env node
// Launcher for the `sluice` command: registers tsx so the TypeScript sources run as they
// are (no build step), then hands over to main.ts.
import { register } from 'tsx/esm/api';

// Sluice supports Node >= 20.11; the AWS SDK's notice about its own future Node floor is
// noise for CLI users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
// `sluice consume … | head`: the reader left; stop quietly, like any Unix filter.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
const { main } = await import('./main.ts');
const code = await main(process.argv.slice(2));
// Let piped stdout drain before exiting; open sockets or timers must not keep us alive.
process.stdout.write('', () => process.exit(code));
