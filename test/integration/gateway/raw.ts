// A minimal Kafka client on our own codecs, for requests no real client sends on purpose:
// exact partition mixes, malformed frames, unknown APIs. Requests and responses are
// encoded and decoded with the schemas in lib/gateway/protocol.
import { connect, type Socket } from 'node:net';
import { API_BY_KEY } from '../../../lib/gateway/protocol/apis.ts';
import { decodeMessage, encodeMessage } from '../../../lib/gateway/protocol/codec.ts';
import { skipHeaderTags, writeRequestHeader } from '../../../lib/gateway/protocol/header.ts';
import { Reader, Writer } from '../../../lib/gateway/protocol/primitives.ts';
import { within, type Message } from '../../../lib/gateway/protocol/schema.ts';

export class RawConnection {
  private buffered = Buffer.alloc(0);
  private waiting: ((frame: Buffer) => void)[] = [];
  readonly closed: Promise<void>;
  private correlation = 1;

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, d]);
      while (this.buffered.length >= 4 && this.buffered.length >= 4 + this.buffered.readInt32BE(0)) {
        const size = this.buffered.readInt32BE(0);
        const frame = this.buffered.subarray(4, 4 + size);
        this.buffered = this.buffered.subarray(4 + size);
        this.waiting.shift()?.(frame);
      }
    });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new RawConnection(s)));
      s.once('error', reject);
    });
  }

  /** Sends raw bytes (a frame or anything else). */
  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  nextFrame(): Promise<Buffer> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** One request with our codec; resolves with the decoded response body. */
  async request(apiKey: number, version: number, body: Message): Promise<Message> {
    const api = API_BY_KEY.get(apiKey)!;
    const flexible = within(api.request.flexible, version);
    const w = new Writer();
    w.int32(0);
    writeRequestHeader(w, { apiKey, apiVersion: version, correlationId: this.correlation++, clientId: 'raw' }, flexible);
    encodeMessage(api.request, version, body, w);
    w.setInt32(0, w.pos - 4);
    const answer = this.nextFrame();
    this.send(w.finish());
    const r = new Reader(await answer);
    r.int32();
    if (apiKey !== 18 && within(api.response.flexible, version)) skipHeaderTags(r);
    return decodeMessage(api.response, version, r);
  }

  close(): void {
    this.socket.destroy();
  }
}

