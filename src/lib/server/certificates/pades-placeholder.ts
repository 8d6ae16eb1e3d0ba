/**
 * The signed revision of a certificate, built with pdf-lib before the signature exists: the
 * signature dictionary (SubFilter ETSI.CAdES.detached, /M the signing time, a /Contents placeholder
 * and a /ByteRange placeholder that @signpdf/signpdf fills in), a certification signature allowing
 * no change at all (DocMDP, P 1: the /Reference in the signature and /Perms in the catalog), and the
 * document security store (/DSS: the certificates and CRLs a validator needs, PAdES B-LT). All of it
 * is written in the same revision the signature covers, so pdfsig still says "Total document signed".
 * Modelled on @signpdf/placeholder-pdf-lib, which writes neither /Reference nor /Perms nor /DSS.
 */
import {
	PDFArray,
	PDFDict,
	PDFHexString,
	PDFInvalidObject,
	PDFName,
	PDFNumber,
	PDFString,
	type PDFDocument,
	type PDFRef
} from 'pdf-lib';
import { ANNOTATION_FLAGS, DEFAULT_BYTE_RANGE_PLACEHOLDER, SIG_FLAGS } from '@signpdf/utils';

export const SUBFILTER_CADES = 'ETSI.CAdES.detached';

export interface PlaceholderInput {
	reason: string;
	name: string;
	location: string;
	contactInfo: string;
	signingTime: Date;
	/** bytes reserved for the CMS (the placeholder holds twice as many hex digits) */
	cmsBytes: number;
	/** validation data for the DSS, DER */
	dss: { certs: Uint8Array[]; crls: Uint8Array[] };
}

function streamRefs(doc: PDFDocument, items: Uint8Array[]): PDFRef[] {
	return items.map((der) => doc.context.register(doc.context.stream(der, {})));
}

export function addPadesPlaceholder(doc: PDFDocument, p: PlaceholderInput): void {
	const ctx = doc.context;
	const page = doc.getPages()[0];
	const byteRange = PDFArray.withContext(ctx);
	byteRange.push(PDFNumber.of(0));
	for (let i = 0; i < 3; i++) byteRange.push(PDFName.of(DEFAULT_BYTE_RANGE_PLACEHOLDER));

	const signatureDict = ctx.obj({
		Type: 'Sig',
		Filter: 'Adobe.PPKLite',
		SubFilter: SUBFILTER_CADES,
		ByteRange: byteRange,
		// NULs where the hex of the CMS goes; @signpdf/signpdf finds the <…> after /ByteRange.
		Contents: PDFHexString.of(String.fromCharCode(0).repeat(p.cmsBytes * 2)),
		Reason: PDFString.of(p.reason),
		M: PDFString.fromDate(p.signingTime),
		ContactInfo: PDFString.of(p.contactInfo),
		Name: PDFString.of(p.name),
		Location: PDFString.of(p.location),
		// ISO 32000-1 §12.8.2.2: a certification signature with P 1 allows no change to the document.
		Reference: [
			{ Type: 'SigRef', TransformMethod: 'DocMDP', TransformParams: { Type: 'TransformParams', P: 1, V: '1.2' } }
		],
		Prop_Build: { Filter: { Name: 'Adobe.PPKLite' } }
	});
	// Written as raw bytes, so pdf-lib never moves it into an object stream or reformats /Contents.
	const bytes = new Uint8Array(signatureDict.sizeInBytes());
	signatureDict.copyBytesInto(bytes, 0);
	const signatureRef = ctx.register(PDFInvalidObject.of(bytes));

	const apStream = ctx.formXObject([], { BBox: [0, 0, 0, 0], Resources: {} });
	const widget = ctx.obj({
		Type: 'Annot',
		Subtype: 'Widget',
		FT: 'Sig',
		Rect: [0, 0, 0, 0],
		V: signatureRef,
		T: PDFString.of('Signature1'),
		F: ANNOTATION_FLAGS.PRINT,
		P: page.ref,
		AP: { N: ctx.register(apStream) } // PDF/A wants an appearance even for an invisible widget
	});
	const widgetRef = ctx.register(widget);
	const annots = page.node.lookupMaybe(PDFName.of('Annots'), PDFArray) ?? ctx.obj([]);
	annots.push(widgetRef);
	page.node.set(PDFName.of('Annots'), annots);

	let acroForm = doc.catalog.lookupMaybe(PDFName.of('AcroForm'), PDFDict);
	if (!acroForm) {
		acroForm = ctx.obj({ Fields: [] });
		doc.catalog.set(PDFName.of('AcroForm'), ctx.register(acroForm));
	}
	acroForm.set(PDFName.of('SigFlags'), PDFNumber.of(SIG_FLAGS.SIGNATURES_EXIST | SIG_FLAGS.APPEND_ONLY));
	const fields = acroForm.lookupMaybe(PDFName.of('Fields'), PDFArray) ?? ctx.obj([]);
	fields.push(widgetRef);
	acroForm.set(PDFName.of('Fields'), fields);

	doc.catalog.set(PDFName.of('Perms'), ctx.obj({ DocMDP: signatureRef }));
	doc.catalog.set(
		PDFName.of('DSS'),
		ctx.obj({ Certs: streamRefs(doc, p.dss.certs), CRLs: streamRefs(doc, p.dss.crls) })
	);
	// The PAdES extension of PDF 1.7 (ETSI EN 319 142-1 §5.4: the DSS is declared with ESIC level 5).
	doc.catalog.set(PDFName.of('Extensions'), ctx.obj({ ESIC: { BaseVersion: '1.7', ExtensionLevel: 5 } }));
}
