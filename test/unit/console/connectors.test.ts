// Connector states as the console shows them: what counts as failing, the tone of a
// state, which trace is the last error, and the list's order.
import { describe, expect, it } from 'vitest';
import { byFailingThenName, isConnectorFailing, lastTrace, stateTone, type ConnectorView } from '../../../lib/console/app/connectors.ts';
import type { ConnectorRunState, ConnectorStatus } from '../../../lib/core/connectors.ts';

function status(connector: ConnectorRunState, tasks: { state: ConnectorRunState; trace?: string }[], trace?: string): ConnectorStatus {
  return {
    name: 'c',
    type: 'sink',
    connector: { state: connector, worker_id: 'w', ...(trace ? { trace } : {}) },
    tasks: tasks.map((t, id) => ({ id, worker_id: 'w', ...t })),
  };
}

describe('console connector states', () => {
  it('counts a connector as failing when it or any of its tasks FAILED', () => {
    expect(isConnectorFailing({ status: status('RUNNING', [{ state: 'RUNNING' }, { state: 'RUNNING' }]) })).toBe(false);
    expect(isConnectorFailing({ status: status('RUNNING', [{ state: 'RUNNING' }, { state: 'FAILED' }]) })).toBe(true);
    expect(isConnectorFailing({ status: status('FAILED', []) })).toBe(true);
    expect(isConnectorFailing({ status: status('PAUSED', [{ state: 'PAUSED' }]) })).toBe(false);
    expect(isConnectorFailing({})).toBe(false);
  });

  it('tones RUNNING ok, FAILED bad and every other state as a warning', () => {
    expect(stateTone('RUNNING')).toBe('ok');
    expect(stateTone('FAILED')).toBe('bad');
    for (const s of ['PAUSED', 'STOPPED', 'UNASSIGNED', 'RESTARTING', undefined] as const) expect(stateTone(s)).toBe('warn');
  });

  it("shows the connector's own trace first, else the first failed task's, else none", () => {
    expect(lastTrace(status('FAILED', [{ state: 'FAILED', trace: 'task' }], 'own'))).toEqual({ where: 'Connector', trace: 'own' });
    expect(lastTrace(status('RUNNING', [{ state: 'RUNNING' }, { state: 'FAILED', trace: 'boom' }]))).toEqual({ where: 'Task 1', trace: 'boom' });
    expect(lastTrace(status('RUNNING', [{ state: 'RUNNING' }]))).toBeUndefined();
    expect(lastTrace(undefined)).toBeUndefined();
  });

  it('lists failing connectors first, then by name', () => {
    const view = (name: string, failed: boolean): ConnectorView => ({ name, status: status('RUNNING', [{ state: failed ? 'FAILED' : 'RUNNING' }]) });
    const sorted = [view('b', false), view('z', true), view('a', false), view('c', true)].sort(byFailingThenName);
    expect(sorted.map((c) => c.name)).toEqual(['c', 'z', 'a', 'b']);
  });
});
