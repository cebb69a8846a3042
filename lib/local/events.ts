// Listening to several events of one emitter until one of them settles things: the
// handlers are registered together and removed together.
import type { EventEmitter } from 'node:events';

type Handlers = Record<string, (...args: any[]) => void>;

/** Registers each handler on `emitter`; the returned function removes them all. */
export function listenAll(emitter: EventEmitter, handlers: Handlers): () => void {
  for (const [event, handler] of Object.entries(handlers)) emitter.on(event, handler);
  return () => {
    for (const [event, handler] of Object.entries(handlers)) emitter.off(event, handler);
  };
}
