/**
 * The serial an uploaded PDF claims in its information dictionary (title or keywords, as our
 * certificates carry it: render-pdf.ts). Read from the bytes on this thread when they are plain, as in
 * every certificate we issue (pdf-info-scan.ts); otherwise in the PDF reader thread, under its limits
 * (pdf-reader-pool.ts). Nothing here parses a PDF on the calling thread or inflates a stream.
 */
import { scanInfo, type InfoStrings } from './pdf-info-scan';
import { readPdfInfo } from './pdf-reader-pool';

export type Claim =
	| { kind: 'serial'; serial: string }
	/** a court evidence packet's number (court/render-packet.ts puts it in the keywords) */
	| { kind: 'packet'; number: string }
	| { kind: 'none' }
	/** damaged, or past one of the reader's limits */
	| { kind: 'unreadable' }
	/** the reader thread has too many files waiting */
	| { kind: 'busy' };

const SERIAL = /\b[A-Z][A-Z0-9]{0,9}-\d{4}-\d{6,}\b/;
/** Looked for first: SERIAL would also match the tail of a packet number ("EP-2026-000042"). */
const PACKET = /\b[A-Z][A-Z0-9]{0,9}-EP-\d{4}-\d{6,}\b/;

function fromStrings(info: InfoStrings): Claim {
	const packet = `${info.keywords ?? ''}`.match(PACKET)?.[0];
	if (packet) return { kind: 'packet', number: packet };
	const serial = `${info.title ?? ''} ${info.keywords ?? ''}`.match(SERIAL)?.[0];
	return serial ? { kind: 'serial', serial } : { kind: 'none' };
}

export async function claimedSerial(bytes: Uint8Array): Promise<Claim> {
	const scanned = scanInfo(bytes);
	if (scanned) return fromStrings(scanned);
	const read = await readPdfInfo(bytes);
	if (read.ok) return fromStrings(read);
	return { kind: read.reason === 'busy' ? 'busy' : 'unreadable' };
}
