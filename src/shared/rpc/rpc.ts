/**
 * Typed request/response and events over a {@link Port}, driven by a contract
 * (./contract.ts). The server parses params with the contract's schema before a
 * handler sees them; the client parses results and event payloads before the caller
 * sees them. Errors cross as {@link SerializedError}: a LatchkeyError thrown by a
 * handler arrives as a LatchkeyError with the same code, message and details; any
 * other error becomes `internal` and its text is not forwarded (it may quote input).
 */
import { plainIssue } from '../plain-issue';
import { LatchkeyError, serializedErrorSchema, toSerializedError } from '../errors';
import {
  contractNamespace,
  type Contract,
  type EventIn,
  type EventName,
  type EventOut,
  type MethodName,
  type ParamsIn,
  type ParamsOut,
  type ResultIn,
  type ResultOut,
} from './contract';
import { RPC_PROTOCOL_VERSION, type ErrEnvelope, type EventEnvelope, type OkEnvelope, type RequestEnvelope } from './envelope';
import { muxFor, type PortMux } from './mux';
import type { Port } from './port';
import { newAbortController, startTimer, stopTimer, type AbortSignalLike } from './runtime';

export { rpcPortStats } from './mux';
export type { AbortSignalLike } from './runtime';

/** Default per-call timeout. Long waits (a touch on a security key) pass their own. */
export const DEFAULT_RPC_TIMEOUT_MS = 30_000;

export interface RpcContext {
  /** Aborted when the caller cancels, times out, or the connection closes. */
  readonly signal: AbortSignalLike;
  /** Transfers these buffers with the result instead of copying them (detaches them here). */
  transfer(...buffers: ArrayBuffer[]): void;
}

export type RpcHandlers<C extends Contract> = {
  [M in MethodName<C>]: (params: ParamsOut<C, M>, ctx: RpcContext) => ResultIn<C, M> | Promise<ResultIn<C, M>>;
};

export interface ServeOptions {
  /**
   * Sees every non-LatchkeyError a handler throws (for local logging). The caller only
   * ever gets `internal`.
   */
  onUnexpectedError?: (err: unknown, method: string) => void;
}

export interface RpcServer<C extends Contract> {
  emit<E extends EventName<C>>(event: E, payload: EventIn<C, E>, transfer?: ArrayBuffer[]): void;
  close(): void;
}

export function serveRpc<C extends Contract>(port: Port, contract: C, handlers: RpcHandlers<C>, opts: ServeOptions = {}): RpcServer<C> {
  const ns = contractNamespace(contract);
  const mux = muxFor(port);
  const inflight = new Map<number, { abort(reason?: unknown): void }>();
  let closed = false;

  const answer = (id: number, ok: boolean, value: unknown, transfer: ArrayBuffer[]): void => {
    try {
      if (ok) mux.send({ lk: RPC_PROTOCOL_VERSION, ns, t: 'ok', id, r: value }, transfer);
      else mux.send({ lk: RPC_PROTOCOL_VERSION, ns, t: 'err', id, e: value });
    } catch (err) {
      if (!ok || mux.closed) return;
      // The result could not be serialized (a function, a class instance…): a handler bug.
      opts.onUnexpectedError?.(err, 'result serialization');
      answer(id, false, toSerializedError(err), []);
    }
  };

  const handle = async (env: RequestEnvelope): Promise<void> => {
    const method = env.m;
    const handler = Object.hasOwn(contract.methods, method) ? (handlers as Record<string, unknown>)[method] : undefined;
    if (typeof handler !== 'function') {
      answer(env.id, false, new LatchkeyError('rpc_unknown_method', `This version does not offer the method "${method}".`, { method }).toJSON(), []);
      return;
    }
    const spec = contract.methods[method];
    const parsed = spec === undefined ? undefined : spec.params.safeParse(env.p);
    if (parsed === undefined || !parsed.success) {
      // Name the field as the person sees it, never echo the value: params may hold a password.
      // The method and the member path go in the details, for code and logs, not in the message.
      const issue = parsed?.error.issues[0];
      const path = issue === undefined ? '' : issue.path.map(String).join('.');
      const plain = plainIssue(issue);
      mux.countMalformed();
      answer(
        env.id,
        false,
        new LatchkeyError('invalid_input', plain.message, { method, path, issue: issue?.code ?? 'invalid', ...(plain.field ? { field: plain.field } : {}) }).toJSON(),
        [],
      );
      return;
    }
    if (inflight.has(env.id)) {
      // A peer reusing a live id is broken; answering would settle the wrong call.
      mux.countMalformed();
      return;
    }
    const controller = newAbortController();
    inflight.set(env.id, controller);
    const transfer: ArrayBuffer[] = [];
    const ctx: RpcContext = {
      signal: controller.signal,
      transfer: (...b) => {
        transfer.push(...b);
      },
    };
    try {
      const result: unknown = await (handler as (p: unknown, c: RpcContext) => unknown)(parsed.data, ctx);
      if (!controller.signal.aborted) answer(env.id, true, result, transfer);
    } catch (err) {
      if (!(err instanceof LatchkeyError)) opts.onUnexpectedError?.(err, method);
      if (!controller.signal.aborted) answer(env.id, false, toSerializedError(err), []);
    } finally {
      inflight.delete(env.id);
    }
  };

  const abortAll = (): void => {
    for (const c of inflight.values()) c.abort(new LatchkeyError('rpc_closed', 'The connection closed.'));
    inflight.clear();
  };

  const detach = mux.attachServer(ns, {
    request: (env) => {
      void handle(env);
    },
    cancel: (env) => {
      const c = inflight.get(env.id);
      inflight.delete(env.id);
      c?.abort(new LatchkeyError('cancelled', 'The caller cancelled the request.'));
    },
    closed: () => {
      closed = true;
      abortAll();
    },
  });

  return {
    emit(event, payload, transfer) {
      if (!Object.hasOwn(contract.events, event)) {
        throw new LatchkeyError('invalid_input', `The contract has no event "${event}".`, { event });
      }
      if (closed) throw new LatchkeyError('rpc_closed', 'The connection is closed.');
      mux.send({ lk: RPC_PROTOCOL_VERSION, ns, t: 'evt', ev: event, p: payload }, transfer);
    },
    close() {
      if (closed) return;
      closed = true;
      abortAll();
      detach();
    },
  };
}

export interface ConnectOptions {
  /** Default per-call timeout in ms; 0 or Infinity disables it. */
  timeoutMs?: number;
}

export interface CallOptions {
  timeoutMs?: number;
  /** Buffers to transfer (not copy) with the params; they are detached on this side. */
  transfer?: ArrayBuffer[];
  signal?: AbortSignalLike;
}

export interface RpcClient<C extends Contract> {
  call<M extends MethodName<C>>(method: M, params: ParamsIn<C, M>, opts?: CallOptions): Promise<ResultOut<C, M>>;
  on<E extends EventName<C>>(event: E, handler: (payload: EventOut<C, E>) => void): () => void;
  /** Fails pending calls with `rpc_closed` and stops listening. Does not close the port. */
  close(): void;
}

interface Pending {
  method: string;
  resolve(value: unknown): void;
  reject(err: LatchkeyError): void;
}

export function connectRpc<C extends Contract>(port: Port, contract: C, opts: ConnectOptions = {}): RpcClient<C> {
  const ns = contractNamespace(contract);
  const mux: PortMux = muxFor(port);
  const pending = new Map<number, Pending>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let nextId = 1;
  let closed = false;

  const settleError = (id: number, err: LatchkeyError): void => {
    const p = pending.get(id);
    if (p === undefined) return;
    pending.delete(id);
    p.reject(err);
  };

  const failAll = (): void => {
    for (const id of [...pending.keys()]) settleError(id, new LatchkeyError('rpc_closed', 'The connection closed before the answer arrived.'));
  };

  const onResponse = (env: OkEnvelope | ErrEnvelope): void => {
    const p = pending.get(env.id);
    if (p === undefined) return; // late answer to a call that timed out or was cancelled
    pending.delete(env.id);
    if (env.t === 'err') {
      const e = serializedErrorSchema.safeParse(env.e);
      p.reject(
        e.success ? LatchkeyError.from(e.data) : new LatchkeyError('internal', `"${p.method}" failed with an error this version does not understand.`, { method: p.method }),
      );
      return;
    }
    const spec = contract.methods[p.method];
    const r = spec?.result.safeParse(env.r);
    if (r === undefined || !r.success) {
      mux.countMalformed();
      p.reject(new LatchkeyError('rpc_malformed', `The answer to "${p.method}" did not match the contract.`, { method: p.method }));
      return;
    }
    p.resolve(r.data);
  };

  const onEvent = (env: EventEnvelope): void => {
    const schema = Object.hasOwn(contract.events, env.ev) ? contract.events[env.ev] : undefined;
    const parsed = schema?.safeParse(env.p);
    if (parsed === undefined || !parsed.success) {
      mux.countMalformed();
      return;
    }
    for (const h of [...(listeners.get(env.ev) ?? [])]) {
      try {
        h(parsed.data);
      } catch {
        /* a listener's bug must not stop the others */
      }
    }
  };

  const detach = mux.attachClient(ns, {
    response: onResponse,
    event: onEvent,
    malformedResponse: (id) => settleError(id, new LatchkeyError('rpc_malformed', 'The other side sent a malformed answer.')),
    closed: () => {
      closed = true;
      failAll();
    },
  });

  const call = (method: string, params: unknown, callOpts: CallOptions = {}): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (closed || mux.closed) {
        reject(new LatchkeyError('rpc_closed', 'The connection is closed.'));
        return;
      }
      if (!Object.hasOwn(contract.methods, method)) {
        reject(new LatchkeyError('rpc_unknown_method', `The contract has no method "${method}".`, { method }));
        return;
      }
      const signal = callOpts.signal;
      if (signal?.aborted === true) {
        reject(new LatchkeyError('cancelled', `"${method}" was cancelled.`, { method }));
        return;
      }

      const id = nextId++;
      const timeoutMs = callOpts.timeoutMs ?? opts.timeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;
      let timer: unknown;
      const onAbort = (): void => giveUp(new LatchkeyError('cancelled', `"${method}" was cancelled.`, { method }));
      const cleanup = (): void => {
        stopTimer(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      // Stop waiting and tell the server, so its handler can stop too.
      const giveUp = (err: LatchkeyError): void => {
        if (!pending.has(id)) return;
        settleError(id, err);
        try {
          mux.send({ lk: RPC_PROTOCOL_VERSION, ns, t: 'cancel', id });
        } catch {
          /* closed */
        }
      };
      pending.set(id, {
        method,
        resolve: (v) => {
          cleanup();
          resolve(v);
        },
        reject: (e) => {
          cleanup();
          reject(e);
        },
      });
      if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
        timer = startTimer(() => giveUp(new LatchkeyError('timeout', `"${method}" got no answer within ${timeoutMs} ms.`, { method, timeoutMs })), timeoutMs);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        mux.send({ lk: RPC_PROTOCOL_VERSION, ns, t: 'req', id, m: method, p: params }, callOpts.transfer);
      } catch (err) {
        settleError(
          id,
          err instanceof LatchkeyError ? err : new LatchkeyError('invalid_input', `The parameters of "${method}" cannot be sent (not structured-cloneable).`, { method }),
        );
      }
    });

  return {
    call: call as RpcClient<C>['call'],
    on(event, handler) {
      let set = listeners.get(event);
      if (set === undefined) {
        set = new Set();
        listeners.set(event, set);
      }
      const h = handler as (payload: unknown) => void;
      set.add(h);
      return () => {
        set.delete(h);
      };
    },
    close() {
      if (closed) return;
      closed = true;
      failAll();
      detach();
    },
  };
}
