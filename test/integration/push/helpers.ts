// A push connection to a dev server, as a test drives it: send a message, wait for the
// next message that matches, and keep everything received for later assertions.
import { WebSocket } from 'ws';
import type { PushMessage } from '../../../lib/core/push.ts';

export class TestConnection {
  readonly received: PushMessage[] = [];
  private waiters: { match: (m: PushMessage) => boolean; resolve: (m: PushMessage) => void }[] = [];
  private nextId = 1;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as PushMessage;
      this.received.push(m);
      for (const w of [...this.waiters]) {
        if (w.match(m)) {
          this.waiters = this.waiters.filter((x) => x !== w);
          w.resolve(m);
        }
      }
    });
  }

  static open(httpUrl: string, headers: Record<string, string> = {}): Promise<TestConnection> {
    const ws = new WebSocket(`${httpUrl.replace(/^http/, 'ws')}/v1/push`, { headers });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new TestConnection(ws)));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  /** The first message (already received or still to come) that matches. */
  next(match: (m: PushMessage) => boolean, timeoutMs = 15_000): Promise<PushMessage> {
    const seen = this.received.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no matching push message in time')), timeoutMs);
      this.waiters.push({ match, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  }

  /** Sends a request and waits for its answer (by id). */
  async ask(msg: Record<string, unknown>): Promise<PushMessage> {
    const id = this.nextId++;
    const answer = this.next((m) => 'id' in m && m.id === id);
    this.ws.send(JSON.stringify({ ...msg, id }));
    return answer;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}
