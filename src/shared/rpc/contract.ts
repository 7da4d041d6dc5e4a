/**
 * The shape every RPC contract has: named methods with a zod schema for their params
 * and result, and named events with a zod schema for their payload. Contracts live
 * once, in src/shared; both sides are typed from them and parse every payload.
 *
 * `name` namespaces the contract's messages on a port, so several contracts can share
 * one connection (e.g. main calls the engine and the engine calls main over the same
 * MessagePort). Unnamed contracts use the namespace "default"; two contracts that play
 * the same role (server or client) on one port must have distinct names.
 */
import type { z } from 'zod';

export interface MethodSpec<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  params: P;
  result: R;
}
export interface Contract {
  name?: string;
  methods: Record<string, MethodSpec>;
  events: Record<string, z.ZodType>;
}
export function defineContract<C extends Contract>(c: C): C {
  return c;
}

/** Namespace a contract's envelopes carry on the wire. */
export function contractNamespace(c: Contract): string {
  return c.name ?? 'default';
}

export type MethodName<C extends Contract> = keyof C['methods'] & string;
export type EventName<C extends Contract> = keyof C['events'] & string;

/** What a caller passes (before the server's schema parses it). */
export type ParamsIn<C extends Contract, M extends MethodName<C>> = z.input<C['methods'][M]['params']>;
/** What a handler receives (after parsing). */
export type ParamsOut<C extends Contract, M extends MethodName<C>> = z.output<C['methods'][M]['params']>;
/** What a handler returns (before the client's schema parses it). */
export type ResultIn<C extends Contract, M extends MethodName<C>> = z.input<C['methods'][M]['result']>;
/** What a caller receives (after parsing). */
export type ResultOut<C extends Contract, M extends MethodName<C>> = z.output<C['methods'][M]['result']>;
export type EventIn<C extends Contract, E extends EventName<C>> = z.input<C['events'][E]>;
export type EventOut<C extends Contract, E extends EventName<C>> = z.output<C['events'][E]>;
