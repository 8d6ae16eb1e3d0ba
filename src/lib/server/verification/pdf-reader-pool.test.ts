// The PDF reader thread (pdf-reader-pool.ts, pdf-reader.ts): files the byte scan cannot read are
// parsed there, never on the calling thread, under limits on bytes inflated, objects, values, time
// and heap; each outcome is a value, a thread that was ended is replaced, and an idle thread never
// keeps a process alive.
import { describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { PDFDocument } from 'pdf-lib';
import {
	hugeArray,
	manyObjects,
	objectCountClaim,
	objectStreamBomb,
	warningBait
} from '../../../../scripts/bench-hostile-pdfs.mjs';
import { closePdfReader, readPdfInfo } from './pdf-reader-pool';

// Counts PDF parses on this thread (the reader thread's module graph is its own), as certificates/worker-pool.test.ts does.
const mainThreadLoads = vi.hoisted(() => ({ n: 0 }));
vi.mock('pdf-lib', async (load) => {
	const actual = await load<typeof import('pdf-lib')>();
	const PDFDocument = Object.create(actual.PDFDocument, {
		load: {
			value: (...args: Parameters<typeof actual.PDFDocument.load>) => {
				mainThreadLoads.n++;
				return actual.PDFDocument.load(...args);
			}
		}
	});
	return { ...actual, PDFDocument };
});

async function compressedCertificateLike(serial: string) {
	const doc = await PDFDocument.create();
	doc.addPage();
	doc.setTitle(`Certificate of Completion ${serial}`);
	doc.setKeywords([serial, 'completion certificate']);
	return doc.save({ useObjectStreams: true });
}

describe('the PDF reader thread', () => {
	it('stops inflating an object stream after 8 MiB: a 480 MB bomb is refused by the byte budget, not the clock', async () => {
		expect(await readPdfInfo(objectStreamBomb(480))).toEqual({ ok: false, reason: 'inflate_limit' });
	});

	it('stops at 10,000 objects, and before reading an object stream that claims ten million', async () => {
		expect(await readPdfInfo(manyObjects())).toEqual({ ok: false, reason: 'object_limit' });
		expect(await readPdfInfo(objectCountClaim(10_000_000))).toEqual({ ok: false, reason: 'object_limit' });
	});

	it('stops at 100,000 values: millions of numbers in one array', async () => {
		expect(await readPdfInfo(hugeArray())).toEqual({ ok: false, reason: 'object_limit' });
	});

	it('accepts only Flate on the streams it must decode (LZW and run-length can expand without the byte budget seeing it)', async () => {
		const data = Buffer.from('1 0 null');
		const lzw = Buffer.concat([
			Buffer.from(
				`%PDF-1.7\n1 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /LZWDecode /Length ${data.length} >>\nstream\n`
			),
			data,
			Buffer.from('\nendstream\nendobj\ntrailer\n<< /Root 2 0 R >>\n%%EOF\n')
		]);
		expect(await readPdfInfo(lzw)).toEqual({ ok: false, reason: 'filter' });
	});

	it('ends a thread that runs past its time limit, and reads the next file in a new one', async () => {
		// Limits lifted so only the clock can stop it: 200,000 objects take far longer than 1 ms.
		expect(await readPdfInfo(manyObjects(), { timeLimitMs: 1, limits: { maxObjects: 1e9, maxValues: 1e9 } })).toEqual({
			ok: false,
			reason: 'time_limit'
		});
		expect(await readPdfInfo(await compressedCertificateLike('RC-2026-000101'))).toMatchObject({
			ok: true,
			title: 'Certificate of Completion RC-2026-000101'
		});
	});

	it('ends a thread that fills its heap, and reads the next file in a new one', { timeout: 60_000 }, async () => {
		expect(
			await readPdfInfo(hugeArray(5_000_000), { timeLimitMs: 60_000, limits: { maxObjects: 1e9, maxValues: 1e9 } })
		).toEqual({ ok: false, reason: 'memory_limit' });
		expect(await readPdfInfo(await compressedCertificateLike('RC-2026-000102'))).toMatchObject({
			ok: true,
			title: 'Certificate of Completion RC-2026-000102'
		});
	});

	it('answers "busy" rather than queue more than eight files behind the one being read', async () => {
		const file = warningBait();
		await readPdfInfo(file); // a thread that is ready: the first of the twelve is read at once
		const answers = await Promise.all(Array.from({ length: 12 }, () => readPdfInfo(file)));
		expect(answers.filter((a) => !a.ok && a.reason === 'busy')).toHaveLength(3);
		expect(answers.filter((a) => a.ok)).toHaveLength(9);
	});

	it('reads the title and keywords of a file saved with object streams, in another thread and never on this one', async () => {
		const file = await compressedCertificateLike('RC-2026-000103');
		const before = mainThreadLoads.n;
		await PDFDocument.load(file);
		expect(mainThreadLoads.n, 'the counter sees a parse on this thread').toBe(before + 1);
		expect(await readPdfInfo(file)).toEqual({
			ok: true,
			title: 'Certificate of Completion RC-2026-000103',
			keywords: 'RC-2026-000103 completion certificate'
		});
		expect(await readPdfInfo(objectStreamBomb(16))).toMatchObject({ ok: false });
		expect(mainThreadLoads.n).toBe(before + 1);
	});

	it('prints nothing of what the PDF library says about a file', async () => {
		const printed: string[] = [];
		const spies = [
			vi
				.spyOn(process.stdout, 'write')
				.mockImplementation((chunk: string | Uint8Array) => (printed.push(String(chunk)), true)),
			vi
				.spyOn(process.stderr, 'write')
				.mockImplementation((chunk: string | Uint8Array) => (printed.push(String(chunk)), true))
		];
		try {
			expect(await readPdfInfo(warningBait())).toEqual({ ok: true, title: null, keywords: null });
			await closePdfReader(); // all the thread wrote is delivered by the time it has exited
		} finally {
			spies.forEach((s) => s.mockRestore());
		}
		expect(printed).toEqual([]);
	});

	it('does not keep a process alive once its work is done (the CLI exits)', () => {
		const script = `
			import { readPdfInfo } from './src/lib/server/verification/pdf-reader-pool';
			import { objectStreamBomb } from './scripts/bench-hostile-pdfs.mjs';
			readPdfInfo(objectStreamBomb(16)).then((r) => console.log('read', JSON.stringify(r)));
		`;
		const r = spawnSync('npx', ['tsx', '--eval', script], { cwd: process.cwd(), encoding: 'utf8', timeout: 30_000 });
		expect(r.error, 'the process did not exit by itself within 30 s').toBeUndefined();
		expect(r.stdout).toContain('read {"ok":false,"reason":"inflate_limit"}');
		expect(r.status).toBe(0);
	});
});
