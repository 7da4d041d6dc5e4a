/**
 * The three clocks a sample reads. Kept behind an interface so the harness's tests
 * can drive it with a fake clock and never time anything.
 *
 * - wall: performance.now(), ms.
 * - thread CPU: time the calling OS thread spent on a CPU, ms, from Linux's
 *   /proc/thread-self/schedstat (ns resolution). On the main JS thread this is the
 *   JavaScript work plus whatever V8 does on that thread (incl. the main-thread part
 *   of GC), but NOT GC helper threads, the libuv pool, or worker threads. Node 20
 *   has no process.threadCpuUsage (added in Node 23.9), hence /proc. Undefined where
 *   /proc is absent (the figure then says "n/a"). The kernel folds the running
 *   slice into it at scheduler ticks, so one sample is only accurate to a tick
 *   (≈ 4 ms): thread-CPU figures under ~10 ms per sample are coarse; no goal below
 *   that is stated against CPU.
 * - process CPU: process.cpuUsage() user + system, ms — ALL threads of the process
 *   (GC helpers, libuv pool, workers). Shown beside thread CPU so a reader sees how
 *   much the other threads added; no goal is stated against it.
 */
import { readFileSync } from 'node:fs';

export interface Clock {
  wall(): number;
  threadCpu(): number | undefined;
  processCpu(): number;
}

let schedstatWorks: boolean | undefined;

function readThreadCpuMs(): number | undefined {
  if (schedstatWorks === false) return undefined;
  try {
    const text = readFileSync('/proc/thread-self/schedstat', 'latin1');
    const ns = Number(text.split(' ', 1)[0]);
    schedstatWorks = Number.isFinite(ns);
    return schedstatWorks ? ns / 1e6 : undefined;
  } catch {
    schedstatWorks = false;
    return undefined;
  }
}

export const realClock: Clock = {
  wall: () => performance.now(),
  threadCpu: readThreadCpuMs,
  processCpu: () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  },
};

export const THREAD_CPU_LABEL = 'thread CPU (this JS thread only, /proc/thread-self/schedstat; accurate to a scheduler tick, so coarse below ~10 ms a sample)';
export const PROCESS_CPU_LABEL = 'process CPU (all threads incl. GC helpers, libuv pool and workers; process.cpuUsage)';
