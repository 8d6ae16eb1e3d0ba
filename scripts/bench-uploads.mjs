// The hostile-upload phase of `npm run bench` (scripts/bench.mjs): anonymous uploads built to cost the
// server (an object stream that inflates to 480 MB, 200,000 objects, millions of numbers in one
// array, a file claiming ten million objects, a forged title naming a real serial) go to the running
// built server one after another, through the JSON API and the upload form, while one connection
// probes GET /healthz. Prints the server's longest event-loop stall, the probe's latency, how each
// upload was answered, and the server's RSS growth. All from one address: its 20 failed checks are
// what the per-address limit allows, so this phase comes last (the address is then blocked).
import { readFileSync } from 'node:fs';
import {
	contentStreamBomb,
	hugeArray,
	manyObjects,
	objectCountClaim,
	objectStreamBomb,
	titled
} from './bench-hostile-pdfs.mjs';

/** One upload through the JSON API or the /verify form: how long it took and how it was answered. */
async function upload(base, bytes, form) {
	const t = performance.now();
	try {
		let res;
		if (form) {
			const body = new FormData();
			body.append('pdf', new Blob([bytes], { type: 'application/pdf' }), 'upload.pdf');
			res = await fetch(`${base}/verify?/upload`, {
				method: 'POST',
				body,
				headers: { origin: base, 'x-sveltekit-action': 'true' }
			});
		} else {
			res = await fetch(`${base}/api/v1/certificates/verify`, {
				method: 'POST',
				body: bytes,
				headers: { 'content-type': 'application/pdf' }
			});
		}
		const text = await res.text();
		let status = String(res.status);
		try {
			const j = JSON.parse(text);
			// The API answers its own JSON; the form SvelteKit's action JSON, its data serialised by devalue.
			// The API's stable interface says "unknown" also for a file that could not be read; its reason says which.
			const outcome = form
				? /"(valid|revoked|superseded|altered|unknown|unreadable)"/.exec(j.data ?? '')?.[1]
				: /could not be read/.test(j.reason ?? '')
					? 'unreadable'
					: j.status;
			status = `${form ? (j.status ?? res.status) : res.status} ${outcome ?? j.type ?? ''}`.trim();
		} catch {
			// not JSON: the status line says enough
		}
		return { ms: performance.now() - t, status, form };
	} catch (e) {
		return { ms: performance.now() - t, status: `failed (${e.cause?.code ?? e.message})`, form };
	}
}

function rssMb(pid) {
	try {
		return Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024);
	} catch {
		return NaN; // the server is gone
	}
}

/**
 * @param {{ base: string, pid: number, serial: string, certificate: Uint8Array, serverLoop: () => Promise<{ maxDelayMs: number, p99DelayMs: number }>, serverLog: () => string }} o
 */
export async function hostileUploads({ base, pid, serial, certificate, serverLoop, serverLog }) {
	const files = [
		['object stream inflating to 480 MB', objectStreamBomb(480), 6],
		['200,000 objects', manyObjects(), 5],
		['2.4 million numbers in one array', hugeArray(), 2],
		['an object stream claiming 10 million objects', objectCountClaim(), 1],
		['a content stream inflating to 480 MB', contentStreamBomb(480), 1],
		[`a forged title naming ${serial}`, titled(serial), 1]
	];
	const viaForm = new Set(['object stream inflating to 480 MB', '200,000 objects']);

	let stop = false;
	const probeTimes = [];
	let peakRss = 0;
	let probeErrors = 0;
	const probe = (async () => {
		while (!stop) {
			const t = performance.now();
			try {
				await (await fetch(`${base}/healthz`)).arrayBuffer();
			} catch {
				probeErrors++; // a kept-alive connection the server dropped (it does after a long stall)
			}
			probeTimes.push(performance.now() - t);
			peakRss = Math.max(peakRss, rssMb(pid));
		}
	})();

	// Warm-up with the genuine certificate: the first upload after start loads the verification route's
	// modules (a one-off, as for any route).
	await upload(base, certificate, false);
	// The same probe for 3 s with no upload: on a shared machine, the stall that other processes cause.
	await serverLoop();
	await new Promise((r) => setTimeout(r, 3000));
	const idle = await serverLoop();
	const idleProbeMax = Math.max(...probeTimes.splice(0));
	const rssBefore = rssMb(pid);
	const logBefore = serverLog().length;
	const rows = [];
	for (const [label, bytes, times] of files) {
		const answers = [];
		for (let i = 0; i < times; i++) answers.push(await upload(base, bytes, false));
		if (viaForm.has(label)) answers.push(await upload(base, bytes, true));
		rows.push({ label, size: bytes.length, answers });
	}
	stop = true;
	await probe;
	const loop = await serverLoop();
	probeTimes.sort((a, b) => a - b);

	for (const r of rows) {
		const api = r.answers.filter((a) => !a.form);
		const form = r.answers.find((a) => a.form);
		const msList = api.map((a) => Math.round(a.ms)).join(', ');
		console.log(
			`   ${r.label} (${Math.round(r.size / 1024)} KB): API ${[...new Set(api.map((a) => a.status))].join(' / ')} in ${msList} ms` +
				(form ? `; form ${form.status} in ${Math.round(form.ms)} ms` : '')
		);
	}
	const p99 = probeTimes[Math.floor(probeTimes.length * 0.99)] ?? 0;
	console.log(
		`   server event loop: longest stall ${loop.maxDelayMs} ms, p99 ${loop.p99DelayMs} ms (target: no stall above 50 ms)` +
			(loop.cpuMs !== undefined
				? `; its main thread ran ${loop.cpuMs} ms in ${Math.round(loop.windowMs / 1000)} s and waited ${loop.waitMs} ms for a CPU`
				: '')
	);
	console.log(
		`   (the 3 s just before, no uploads: longest stall ${idle.maxDelayMs} ms, p99 ${idle.p99DelayMs} ms; probe longest ${idleProbeMax.toFixed(1)} ms)`
	);
	console.log(
		`   probe GET /healthz meanwhile: p99 ${p99.toFixed(1)} ms, longest ${(probeTimes.at(-1) ?? 0).toFixed(1)} ms (${probeTimes.length} requests${probeErrors ? `, ${probeErrors} failed` : ''})`
	);
	console.log(
		`   server RSS: ${rssBefore} MB before, peak ${Math.max(peakRss, rssBefore)} MB during (growth ${Math.max(peakRss, rssBefore) - rssBefore} MB), ${rssMb(pid)} MB after`
	);
	const printed = serverLog().slice(logBefore).split('\n').filter(Boolean);
	console.log(
		`   the server printed ${printed.length} line(s) meanwhile${printed.length ? `, e.g. ${JSON.stringify(printed[0].slice(0, 100))}` : ''}`
	);
	// The limit: uploads from this address until one is refused.
	for (let n = 1; n <= 70; n++) {
		const res = await fetch(`${base}/api/v1/certificates/verify`, {
			method: 'POST',
			body: titled(serial),
			headers: { 'content-type': 'application/pdf' }
		});
		await res.arrayBuffer();
		if (res.status === 429) {
			console.log(
				`   the limit: after those uploads, ${n - 1} more forged-title uploads were answered, then 429 (Retry-After ${res.headers.get('retry-after')} s)`
			);
			return;
		}
	}
	console.log('   the limit: 70 more forged-title uploads were all answered (no limit)');
}
