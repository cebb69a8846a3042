// Connector states as the console shows them: which connectors are failing (the
// connector or any task FAILED), the tone of a state's pill, and the last error trace.
// Pure code (no Preact), so it is tested without a browser.
import type { ConnectorInfo, ConnectorRunState, ConnectorStatus } from '../../client/connectors.ts';

/** One connector as the list shows it: its info and its status, as the SDK's expanded list gives them. */
export interface ConnectorView {
  name: string;
  info?: ConnectorInfo;
  status?: ConnectorStatus;
}

/** The connector itself or one of its tasks has FAILED. */
export function isConnectorFailing(c: Pick<ConnectorView, 'status'>): boolean {
  return c.status?.connector.state === 'FAILED' || (c.status?.tasks ?? []).some((t) => t.state === 'FAILED');
}

/** The pill's tone for a state: RUNNING is ok, FAILED bad, anything else worth a look. */
export function stateTone(state: ConnectorRunState | undefined): 'ok' | 'warn' | 'bad' {
  return state === 'RUNNING' ? 'ok' : state === 'FAILED' ? 'bad' : 'warn';
}

/** The newest failure's stack trace: the connector's own, else the first failed task's. */
export function lastTrace(status: ConnectorStatus | undefined): { where: string; trace: string } | undefined {
  if (status?.connector.trace) return { where: 'Connector', trace: status.connector.trace };
  const task = status?.tasks.find((t) => t.trace);
  return task ? { where: `Task ${task.id}`, trace: task.trace! } : undefined;
}

/** The connector class as configured (an alias such as FileStreamSink, a class name or a module path). */
export const connectorClass = (c: ConnectorView): string => c.info?.config['connector.class'] ?? '–';

/** Failing connectors first, then by name. */
export const byFailingThenName = (a: ConnectorView, b: ConnectorView): number =>
  Number(isConnectorFailing(b)) - Number(isConnectorFailing(a)) || a.name.localeCompare(b.name);
