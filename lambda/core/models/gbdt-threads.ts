/**
 * A pool of worker threads for one GBDT fit. The workers run the kernels of `gbdt-kernels.ts` from
 * their source text (`new Worker(source, { eval: true })`), so no separate worker file has to be found
 * or bundled: it works the same under tsx, Jest and in the esbuild-bundled Lambda. Work is handed out
 * through shared memory with `Atomics` — the main thread blocks in `Atomics.wait` (allowed in Node), so
 * a fit stays synchronous — and the main thread claims units of every task too (see `runUnits`).
 */
import { Worker } from 'node:worker_threads';
import { GBDT_KERNELS, gbdtWorkerLoop, runUnits, type GbdtShared } from './gbdt-kernels';
import { GbdtError } from './gbdt-model';

/** How long workers may take to start before the fit goes on with the main thread alone. */
const STARTUP_TIMEOUT_MS = 20_000;
/** How long one task may take before the pool gives up on its workers (a task takes milliseconds). */
const TASK_TIMEOUT_MS = 120_000;
/** Spins on the done counter before sleeping (see `gbdtWorkerLoop` for why not more). */
const SPINS = 2_000;

function workerSource(): string {
  return [
    "'use strict';",
    ...GBDT_KERNELS.map((f) => f.toString()),
    "const { workerData } = require('node:worker_threads');",
    `${gbdtWorkerLoop.name}(workerData);`,
  ].join('\n');
}

/** Runs tasks of {@link runUnits} on `threads` threads: the caller's and `threads − 1` workers. */
export class GbdtThreads {
  private readonly workers: Worker[] = [];
  private epoch = 0;

  /** Start `threads − 1` workers over `shared` (whose buffers must be SharedArrayBuffers when threads > 1). */
  constructor(
    private readonly shared: GbdtShared,
    threads: number,
  ) {
    if (threads <= 1) return;
    const ctrl = shared.ctrl;
    const source = workerSource();
    for (let k = 1; k < threads; k++) {
      const worker = new Worker(source, { eval: true, workerData: shared });
      worker.unref();
      this.workers.push(worker);
    }
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    let ready = Atomics.load(ctrl, 4);
    while (ready < threads - 1 && Date.now() < deadline) {
      Atomics.wait(ctrl, 4, ready, 50);
      ready = Atomics.load(ctrl, 4);
    }
    // Workers that do not start (an unusual runtime) only cost speed: the model does not depend on them.
    if (ready < threads - 1) this.close();
  }

  /** Threads that share the work (1: the caller alone). */
  get threads(): number {
    return this.workers.length + 1;
  }

  /**
   * Run task `task` — `units` units of `unit` rows, parameters p0…p2 and `length` (see `runUnits`) — on
   * every thread, or on the caller's alone when not `parallel` (a small task: waking the workers would
   * cost more than they save); returns when every unit is done.
   */
  run(task: number, parallel: boolean, units: number, unit: number, p0: number, p1: number, p2 = 0, length = 0): void {
    const s = this.shared;
    const c = s.ctrl;
    const epoch = ++this.epoch;
    c[2] = task;
    c[6] = p0;
    c[7] = p1;
    c[8] = p2;
    c[9] = unit;
    c[10] = length;
    c[11] = units;
    Atomics.store(c, 1, 0);
    Atomics.store(s.claim, 0, BigInt(epoch) << 32n);
    const shared = parallel && this.workers.length > 0;
    if (shared) {
      Atomics.store(c, 0, epoch);
      Atomics.notify(c, 0);
    }
    runUnits(s, epoch);
    if (!shared) return;
    let spins = 0;
    let done = Atomics.load(c, 1);
    const deadline = Date.now() + TASK_TIMEOUT_MS;
    while (done < units) {
      if (++spins > SPINS) {
        Atomics.wait(c, 1, done, 100);
        if (Date.now() > deadline) throw new GbdtError(`GBDT worker threads did not finish task ${task} within ${TASK_TIMEOUT_MS / 1000} s`);
      }
      done = Atomics.load(c, 1);
    }
    if (Atomics.load(c, 3) !== 0) throw new GbdtError(`GBDT worker thread failed in task ${task}`);
  }

  /** Stop the workers (idempotent); the pool then runs everything on the caller's thread. */
  close(): void {
    if (this.workers.length === 0) return;
    const c = this.shared.ctrl;
    c[2] = 0;
    Atomics.store(c, 0, ++this.epoch);
    Atomics.notify(c, 0);
    for (const worker of this.workers) void worker.terminate();
    this.workers.length = 0;
  }
}
