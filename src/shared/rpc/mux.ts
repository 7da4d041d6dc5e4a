/**
 * One port, many contracts. A {@link Port} has a single receiver, so the first
 * serveRpc/connectRpc on a port installs a PortMux that parses each incoming message
 * once and routes it by namespace and kind: requests and cancels to the server of that
 * namespace, responses and events to its client. Both directions of one connection
 * (main -> engine and engine -> main) therefore share a port.
 *
 * Invariant: nothing a peer sends can throw out of {@link PortMux.receive}. Garbage is
 * answered with `rpc_malformed` when it carries a namespace and an id (so the sender's
 * call settles), otherwise dropped and counted.
 */
import { LatchkeyError } from '../errors';
import {
  envelopeProbeSchema,
  envelopeSchema,
  RPC_PROTOCOL_VERSION,
  type CancelEnvelope,
  type Envelope,
  type ErrEnvelope,
  type EventEnvelope,
  type OkEnvelope,
  type RequestEnvelope,
} from './envelope';
import type { Port } from './port';

export interface ServerSink {
  request(env: RequestEnvelope): void;
  cancel(env: CancelEnvelope): void;
  closed(): void;
}

export interface ClientSink {
  response(env: OkEnvelope | ErrEnvelope): void;
  event(env: EventEnvelope): void;
  /** A malformed message named one of this client's ids: settle that call. */
  malformedResponse(id: number): void;
  closed(): void;
}

export interface PortStats {
  /** Messages dropped or refused because they failed the envelope or payload schema. */
  malformed: number;
}

export class PortMux {
  private readonly servers = new Map<string, ServerSink>();
  private readonly clients = new Map<string, ClientSink>();
  private readonly offMessage: () => void;
  private readonly offClose: (() => void) | undefined;
  private isClosed = false;
  readonly stats: PortStats = { malformed: 0 };

  constructor(
    private readonly port: Port,
    private readonly onEmpty: () => void,
  ) {
    this.offMessage = port.onMessage((m) => this.receive(m));
    this.offClose = port.onClose?.(() => this.portClosed());
  }

  get closed(): boolean {
    return this.isClosed;
  }

  attachServer(ns: string, sink: ServerSink): () => void {
    return this.attach(this.servers, ns, sink, 'served');
  }

  attachClient(ns: string, sink: ClientSink): () => void {
    return this.attach(this.clients, ns, sink, 'connected to');
  }

  /** Sends an envelope; throws `rpc_closed` if the port is gone. */
  send(env: Envelope, transfer?: ArrayBuffer[]): void {
    if (this.isClosed) throw new LatchkeyError('rpc_closed', 'The connection is closed.');
    if (transfer !== undefined && transfer.length > 0) this.port.postMessage(env, transfer);
    else this.port.postMessage(env);
  }

  countMalformed(): void {
    this.stats.malformed += 1;
  }

  private attach<S>(map: Map<string, S>, ns: string, sink: S, verb: string): () => void {
    if (map.has(ns)) {
      throw new LatchkeyError('conflict', `Contract namespace "${ns}" is already ${verb} on this port; give the contracts distinct names.`, { namespace: ns });
    }
    map.set(ns, sink);
    return () => {
      if (map.get(ns) !== sink) return;
      map.delete(ns);
      if (this.servers.size === 0 && this.clients.size === 0) this.detach();
    };
  }

  private detach(): void {
    this.offMessage();
    this.offClose?.();
    this.onEmpty();
  }

  private portClosed(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const s of [...this.servers.values()]) s.closed();
    for (const c of [...this.clients.values()]) c.closed();
  }

  receive(message: unknown): void {
    try {
      this.route(message);
    } catch {
      // A sink threw (a bug, not the peer's fault, since payloads are parsed). Never
      // let it escape into the transport's event loop.
      this.countMalformed();
    }
  }

  private route(message: unknown): void {
    const parsed = envelopeSchema.safeParse(message);
    if (!parsed.success) {
      this.malformed(message);
      return;
    }
    const env = parsed.data;
    switch (env.t) {
      case 'req': {
        const server = this.servers.get(env.ns);
        if (server === undefined) {
          this.reply(env.ns, env.id, new LatchkeyError('rpc_unknown_method', `No service "${env.ns}" is offered on this connection.`, { namespace: env.ns }));
          return;
        }
        server.request(env);
        return;
      }
      case 'cancel':
        this.servers.get(env.ns)?.cancel(env);
        return;
      case 'ok':
      case 'err': {
        const client = this.clients.get(env.ns);
        if (client === undefined) this.countMalformed();
        else client.response(env);
        return;
      }
      case 'evt': {
        const client = this.clients.get(env.ns);
        if (client === undefined) this.countMalformed();
        else client.event(env);
      }
    }
  }

  private malformed(message: unknown): void {
    this.countMalformed();
    const probe = envelopeProbeSchema.safeParse(message);
    if (!probe.success) return;
    const { ns, t, id } = probe.data;
    if (t === 'ok' || t === 'err') {
      this.clients.get(ns)?.malformedResponse(id);
      return;
    }
    // Anything else that names a served namespace and an id is treated as a request
    // whose sender is waiting; answer so it does not hang.
    if (this.servers.has(ns)) {
      this.reply(ns, id, new LatchkeyError('rpc_malformed', 'The request was not a valid RPC message.'));
    }
  }

  private reply(ns: string, id: number, err: LatchkeyError): void {
    try {
      this.send({ lk: RPC_PROTOCOL_VERSION, ns, t: 'err', id, e: err.toJSON() });
    } catch {
      // Port gone: nobody is left to answer.
    }
  }
}

const muxes = new WeakMap<Port, PortMux>();

/** The port's multiplexer, created on first use. */
export function muxFor(port: Port): PortMux {
  let mux = muxes.get(port);
  if (mux === undefined || mux.closed) {
    const created: PortMux = new PortMux(port, () => {
      if (muxes.get(port) === created) muxes.delete(port);
    });
    mux = created;
    muxes.set(port, mux);
  }
  return mux;
}

/** Counters for a port that currently has RPC endpoints (zeros otherwise). */
export function rpcPortStats(port: Port): PortStats {
  return { ...(muxes.get(port)?.stats ?? { malformed: 0 }) };
}
