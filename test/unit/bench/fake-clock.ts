import type { Clock } from '../../../bench/lib/clock';

/** A clock that only moves when a fake workload says so: tests never time anything. */
export class FakeClock implements Clock {
  t = 0;
  cpu = 0;
  proc = 0;
  advance(wallMs: number, cpuMs = wallMs, procMs = cpuMs): void {
    this.t += wallMs;
    this.cpu += cpuMs;
    this.proc += procMs;
  }
  wall(): number {
    return this.t;
  }
  threadCpu(): number {
    return this.cpu;
  }
  processCpu(): number {
    return this.proc;
  }
}
