// Preloaded into the server by scripts/bench.mjs (`node --import ./scripts/bench-loop-monitor.mjs build`):
// measures the server's own event loop, which is what holds other requests up. On SIGUSR2 it prints
// one JSON line (longest and p99 event-loop delay, main-thread busy time since the last report) and
// starts a new measurement. Not part of the app.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

let h = monitorEventLoopDelay({ resolution: 1 });
h.enable();
let elu = performance.eventLoopUtilization();
let since = performance.now();
process.on('SIGUSR2', () => {
	h.disable();
	const used = performance.eventLoopUtilization(elu);
	const ms = (ns) => +(ns / 1e6).toFixed(1);
	const report = { maxDelayMs: ms(h.max), p99DelayMs: ms(h.percentile(99)), busyMs: Math.round(used.active), windowMs: Math.round(performance.now() - since) };
	process.stdout.write(`LOOP ${JSON.stringify(report)}\n`);
	h = monitorEventLoopDelay({ resolution: 1 });
	h.enable();
	elu = performance.eventLoopUtilization();
	since = performance.now();
});
