// Hostile PDFs, made at run time from small inputs, for `npm run bench` (the upload phase) and for the
// tests of the upload check (tests/integration/verification-upload.test.ts and the PDF reader's tests).
// None of them is a certificate; each stands for one way an anonymous upload could cost the server.
import { constants, deflateSync } from 'node:zlib';

const MIB = 1 << 20;

/**
 * zlib data that inflates to `mib` MiB of zeros, about 1 KB per MiB: one MiB of zeros deflated once
 * (ending in a sync flush, so the blocks end on a byte boundary), its blocks repeated `mib` times, then
 * an empty final block and the Adler-32 of the whole (for n zero bytes: a = 1, b = n mod 65521).
 */
export function zeroBomb(mib) {
	const once = deflateSync(Buffer.alloc(MIB), { level: 9, finishFlush: constants.Z_SYNC_FLUSH });
	const header = once.subarray(0, 2);
	const blocks = once.subarray(2);
	const adler = Buffer.alloc(4);
	adler.writeUInt32BE((((mib * MIB) % 65521) * 65536 + 1) >>> 0);
	return Buffer.concat([header, ...Array.from({ length: mib }, () => blocks), Buffer.from([0x03, 0x00]), adler]);
}

/** Joins PDF parts (strings or bytes) into one file. */
function pdf(...parts) {
	return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));
}

/**
 * An object stream whose Flate data inflates to `mib` MiB (480 by default: a file of about 480 KB),
 * holding the document's information dictionary, so nothing can be read without inflating it.
 */
export function objectStreamBomb(mib = 480) {
	const data = zeroBomb(mib);
	return pdf(
		'%PDF-1.7\n%\xe2\xe3\xcf\xd3\n',
		'1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n',
		'2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n',
		`4 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length ${data.length} >>\nstream\n`,
		data,
		'\nendstream\nendobj\n',
		'trailer\n<< /Size 5 /Root 1 0 R /Info 3 0 R >>\nstartxref\n0\n%%EOF\n'
	);
}

/** A page whose content stream inflates to `mib` MiB: loading the document does not inflate it. */
export function contentStreamBomb(mib = 480) {
	const data = zeroBomb(mib);
	return pdf(
		'%PDF-1.7\n',
		'1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n',
		'2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n',
		'3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>\nendobj\n',
		`4 0 obj\n<< /Filter /FlateDecode /Length ${data.length} >>\nstream\n`,
		data,
		'\nendstream\nendobj\n',
		'trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n0\n%%EOF\n'
	);
}

/** About `bytes` of tiny indirect objects (some 200,000 in 5 MB), with no information dictionary. */
export function manyObjects(bytes = 5 * MIB - 4096) {
	const parts = ['%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n'];
	let size = parts[0].length;
	for (let n = 2; size < bytes - 200; n++) {
		const o = `${n} 0 obj\nnull\nendobj\n`;
		parts.push(o);
		size += o.length;
	}
	parts.push('trailer\n<< /Root 1 0 R >>\nstartxref\n0\n%%EOF\n');
	return Buffer.from(parts.join(''), 'latin1');
}

/** One small object stream that claims to hold `n` objects. */
export function objectCountClaim(n = 10_000_000) {
	const data = deflateSync(Buffer.from('1 0 null', 'latin1'));
	return pdf(
		'%PDF-1.7\n',
		`1 0 obj\n<< /Type /ObjStm /N ${n} /First 4 /Filter /FlateDecode /Length ${data.length} >>\nstream\n`,
		data,
		'\nendstream\nendobj\ntrailer\n<< /Root 2 0 R >>\n%%EOF\n'
	);
}

/** One object holding `count` numbers: small on disk, large once each number is an object in memory. */
export function hugeArray(count = 2_400_000) {
	return pdf('%PDF-1.7\n1 0 obj\n[', '0 '.repeat(count), ']\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');
}

/** A plain file whose information dictionary names `serial` in its title, as a forged certificate would. */
export function titled(serial, title = `Certificate of Completion ${serial}`) {
	return pdf(
		'%PDF-1.4\n',
		'1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n',
		'2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n',
		`3 0 obj\n<< /Title (${title}) /Producer (bench) >>\nendobj\n`,
		'trailer\n<< /Size 4 /Root 1 0 R /Info 3 0 R >>\nstartxref\n0\n%%EOF\n'
	);
}

/** A file with one object the PDF library cannot parse, which makes it print warnings as it recovers. */
export function warningBait() {
	return pdf(
		'%PDF-1.4\n',
		'1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n',
		'2 0 obj\n<< /Type /Pages /Kids [] /Count 0 /Junk <</ ) >>\nendobj\n',
		'trailer\n<< /Root 1 0 R >>\n%%EOF\n'
	);
}
