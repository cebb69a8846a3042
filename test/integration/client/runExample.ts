// Runs an SDK example file as a user would (`import { Sluice } from 'sluice'` resolves
// through the package's self-reference), against the dev server at `endpoint`.
import { spawn } from 'node:child_process';
import { outputOf } from '../../support/processes.ts';

export function runExample(file: string, endpoint: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: new URL('../../..', import.meta.url).pathname,
    env: { ...process.env, SLUICE_ENDPOINT: endpoint, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return outputOf(child);
}
