// Preloaded into the server by scripts/bench.mjs (`node --import ./scripts/bench-loop-monitor.mjs build`):
// measures the server's own event loop, which is what holds other requests up. On SIGUSR2 it prints
// one JSON line (longest and p99 event-loop delay, main-thread busy time since the last report and,
// on Linux, the main thread's own CPU time and the time it was ready but waited for a CPU, which
// tells work done on the event loop from other processes crowding a shared machine) and starts a
// new measurement. Not part of the app.
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

/** The main thread's [CPU ns, run-queue wait ns] so far, from /proc (null elsewhere). */
function schedstat() {
	try {
		const [cpu, wait] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ').map(Number);
		return [cpu, wait];
	} catch {
		return null;
	}
}

let h = monitorEventLoopDelay({ resolution: 1 });
h.enable();
let elu = performance.eventLoopUtilization();
let since = performance.now();
let sched = schedstat();
process.on('SIGUSR2', () => {
	h.disable();
	const used = performance.eventLoopUtilization(elu);
	const ms = (ns) => +(ns / 1e6).toFixed(1);
	const now = schedstat();
	const report = {
		maxDelayMs: ms(h.max),
		p99DelayMs: ms(h.percentile(99)),
		busyMs: Math.round(used.active),
		windowMs: Math.round(performance.now() - since)
	};
	if (now && sched)
		Object.assign(report, {
			cpuMs: Math.round((now[0] - sched[0]) / 1e6),
			waitMs: Math.round((now[1] - sched[1]) / 1e6)
		});
	sched = now;
	process.stdout.write(`LOOP ${JSON.stringify(report)}\n`);
	h = monitorEventLoopDelay({ resolution: 1 });
	h.enable();
	elu = performance.eventLoopUtilization();
	since = performance.now();
});
