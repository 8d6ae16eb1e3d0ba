// Outside tools that read our PDFs in tests (test-only): poppler (pdfinfo, pdfdetach, pdftotext,
// pdffonts), qpdf, libxml2's xmllint and Apache PDFBox Preflight (Debian's libpdfbox2-java). None of
// them shares code with the renderer, so what they read is what any reader gets.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const hasTool = (tool: string, args = ['-v']) => spawnSync(tool, args).error === undefined;

const TOOLS = {
	poppler: {
		present: () => ['pdfinfo', 'pdfdetach', 'pdftotext', 'pdffonts', 'pdfsig'].every((t) => hasTool(t)),
		debian: 'poppler-utils',
		ci: true
	},
	openssl: { present: () => hasTool('openssl', ['version']), debian: 'openssl', ci: true },
	faketime: { present: () => hasTool('faketime', ['--version']), debian: 'faketime', ci: true },
	qpdf: { present: () => hasTool('qpdf', ['--version']), debian: 'qpdf', ci: false },
	xmllint: { present: () => hasTool('xmllint', ['--version']), debian: 'libxml2-utils', ci: false },
	preflight: {
		present: () => hasPreflight(),
		debian: 'default-jre-headless libpdfbox2-java libactivation-java libjaxb-api-java',
		ci: false
	}
} as const;

/**
 * Whether to skip the checks that need these tools: when one is missing, except under CI for the
 * tools .ci/run installs (there a missing tool fails the test instead of skipping it).
 */
export function skipWithout(...names: (keyof typeof TOOLS)[]): boolean {
	const missing = names.filter((n) => !TOOLS[n].present());
	if (!missing.length) return false;
	const failing = process.env.CI && missing.every((n) => TOOLS[n].ci);
	console.warn(
		`${missing.map((n) => `${n} (Debian: ${TOOLS[n].debian})`).join(', ')} not found: checks ${failing ? 'FAIL under CI' : 'SKIPPED'}`
	);
	return !failing;
}

const run = (tool: string, args: string[]) =>
	execFileSync(tool, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

export function writeTemp(pdf: Uint8Array, name = 'file.pdf'): string {
	const file = join(mkdtempSync(join(tmpdir(), 'js-pdftools-')), name);
	writeFileSync(file, pdf);
	return file;
}

/** pdfinfo's "Key: value" lines. */
export function pdfinfo(file: string): Record<string, string> {
	return Object.fromEntries(
		run('pdfinfo', [file])
			.split('\n')
			.map((l) => /^([^:]+):\s*(.*)$/.exec(l))
			.filter((m): m is RegExpExecArray => m !== null)
			.map((m) => [m[1].trim(), m[2].trim()])
	);
}

/** The structure tree with each element's text, as poppler reads it (pdfinfo -struct-text). */
export const structText = (file: string) => run('pdfinfo', ['-struct-text', file]);

/** The embedded files by name, with their bytes as pdfdetach extracts them. */
export function detachAll(file: string): Map<string, Buffer> {
	const dir = mkdtempSync(join(tmpdir(), 'js-detach-'));
	run('pdfdetach', ['-saveall', '-o', dir, file]);
	return new Map(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name))]));
}

export const detachList = (file: string) => run('pdfdetach', ['-list', file]);

export function qpdfCheck(file: string): { ok: boolean; out: string } {
	const r = spawnSync('qpdf', ['--check', file], { encoding: 'utf8' });
	return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** The file's objects as qpdf parses them (qpdf --json=2), with a resolver for "n 0 R" references. */
export function qpdfObjects(file: string) {
	const objects = (
		JSON.parse(run('qpdf', ['--json=2', '--json-key=qpdf', file])) as {
			qpdf: [unknown, Record<string, { value?: Json; stream?: { dict: Json } }>];
		}
	).qpdf[1];
	const get = (ref: Json): Json => {
		if (typeof ref === 'string' && / \d+ R$/.test(ref)) {
			const o = objects[`obj:${ref}`];
			return (o?.value ?? o?.stream?.dict ?? null) as Json;
		}
		return ref;
	};
	const dict = (ref: Json) => get(ref) as Record<string, Json>;
	return { trailer: objects.trailer.value as Record<string, Json>, get, dict, all: objects };
}

const PAINT = new Set(['f', 'F', 'f*', 'S', 's', 'B', 'B*', 'b', 'b*', 'sh', 'Do', 'Tj', 'TJ', "'", '"']);

/**
 * Painting operators in the pages' content that are neither tagged content nor an artifact, as
 * "page N: op" (empty when everything painted is in a marked-content sequence). The content is read
 * as qpdf normalises it (qpdf --qdf: one operator per line, streams uncompressed).
 */
export function untaggedPaint(file: string): string[] {
	const out = join(mkdtempSync(join(tmpdir(), 'js-qdf-')), 'q.pdf');
	run('qpdf', ['--qdf', '--object-streams=disable', file, out]);
	const qdf = readFileSync(out, 'latin1');
	const problems: string[] = [];
	for (const m of qdf.matchAll(/%% Contents for page (\d+)\n[\s\S]*?\nstream\n([\s\S]*?)\nendstream/g)) {
		const tokens = m[2]
			.replace(/<<[\s\S]*?>>/g, ' ') // marked-content properties (flat dictionaries)
			.replace(/<[0-9A-Fa-f\s]*>/g, ' ') // hex strings
			.replace(/\((?:\\.|[^\\)])*\)/g, ' ') // literal strings
			.split(/\s+/);
		let depth = 0;
		for (const t of tokens) {
			if (t === 'BDC' || t === 'BMC') depth++;
			else if (t === 'EMC') depth--;
			else if (depth === 0 && PAINT.has(t)) problems.push(`page ${m[1]}: ${t}`);
		}
	}
	return problems;
}

/** The XMP packet: pdfkit writes it uncompressed, as PDF/A-1 required and later parts recommend. */
export function xmp(pdf: Uint8Array): string {
	const text = Buffer.from(pdf).toString('utf8');
	const start = text.indexOf('<?xpacket begin=');
	const end = text.indexOf('<?xpacket end="w"?>');
	if (start < 0 || end < 0) throw new Error('no XMP packet');
	return text.slice(start, end + '<?xpacket end="w"?>'.length);
}

/** xmllint's verdict on an XML text: null when well-formed, else its complaint. */
export function xmlProblem(xml: string): string | null {
	const file = writeTemp(Buffer.from(xml, 'utf8'), 'x.xml');
	const r = spawnSync('xmllint', ['--noout', file], { encoding: 'utf8' });
	return r.status === 0 ? null : r.stderr;
}

const PREFLIGHT_JARS = [
	'preflight',
	'pdfbox2',
	'fontbox2',
	'xmpbox',
	'commons-logging',
	'javax.activation',
	'jaxb-api'
].map((j) => `/usr/share/java/${j}.jar`);
export const hasPreflight = () => hasTool('java', ['-version']) && PREFLIGHT_JARS.every((j) => existsSync(j));

/**
 * The error codes Apache PDFBox Preflight reports (it validates PDF/A-1b, the only part it knows):
 * e.g. ["1.4.7", "3.1.11"]; empty when it finds the file valid PDF/A-1b.
 */
export function preflightErrors(file: string): string[] {
	const r = spawnSync('java', ['-cp', PREFLIGHT_JARS.join(':'), 'org.apache.pdfbox.preflight.Validator_A1b', file], {
		encoding: 'utf8'
	});
	const out = `${r.stdout}${r.stderr}`;
	if (/is a valid PDF\/A-1b file/.test(out)) return [];
	const codes = [...out.matchAll(/^(\d+(?:\.\d+)+) : /gm)].map((m) => m[1]);
	if (!codes.length) throw new Error(`Preflight gave no verdict: ${out.slice(0, 500)}`);
	return [...new Set(codes)].sort();
}

/**
 * Font sizes of the words poppler finds (pdftotext -bbox), for words in Liberation Sans: its word
 * box is the font's ascent plus descent, 0.905 + 0.212 em.
 */
export function sansWordSizes(file: string): { word: string; x: number; size: number }[] {
	return [
		...run('pdftotext', ['-bbox', file, '-']).matchAll(
			/xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</g
		)
	].map((m) => ({
		word: m[4]
			.replace(/&amp;/g, '&')
			.replace(/&lt;/g, '<')
			.replace(/&gt;/g, '>')
			.replace(/&quot;/g, '"'),
		x: Number(m[1]),
		size: (Number(m[3]) - Number(m[2])) / 1.117
	}));
}

export const pdftotext = (file: string, layout = true) => run('pdftotext', [...(layout ? ['-layout'] : []), file, '-']);
export const pdffonts = (file: string) => run('pdffonts', [file]).trim().split('\n').slice(2);
