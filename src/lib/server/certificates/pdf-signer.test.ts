// The PAdES CMS (pdf-signer.ts) is put together from DER that exists already: these are the bytes
// PKI.js wrote when it encoded the whole SignedData itself (the code it replaced, below), with and
// without a time-stamp token. What the CMS says, and outside tools' checks of it: pades.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { createHash, sign } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { generateKeys, loadKeys, type LoadedKeys } from './keys-folder';
import { buildPadesCms, unlockP12, type CmsInput } from './pdf-signer';

const OID = {
	data: '1.2.840.113549.1.7.1',
	signedData: '1.2.840.113549.1.7.2',
	contentType: '1.2.840.113549.1.9.3',
	messageDigest: '1.2.840.113549.1.9.4',
	signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
	signatureTimeStampToken: '1.2.840.113549.1.9.16.2.14',
	sha256: '2.16.840.1.101.3.4.2.1',
	sha256WithRSAEncryption: '1.2.840.113549.1.1.11'
};
const ab = (u: Uint8Array): ArrayBuffer => u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer;
const sha256Alg = () => new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 });

/** The CMS as pdf-signer.ts built it before, everything through PKI.js (RSA PKCS#1 v1.5 is deterministic). */
async function pkijsCms(input: CmsInput): Promise<Buffer> {
	const cert = pkijs.Certificate.fromBER(ab(input.signer.signerDer));
	const issuerSerial = new pkijs.IssuerSerial({
		issuer: new pkijs.GeneralNames({ names: [new pkijs.GeneralName({ type: 4, value: cert.issuer })] }),
		serialNumber: cert.serialNumber
	});
	const essCertIdV2 = new asn1js.Sequence({
		value: [
			new asn1js.OctetString({ valueHex: ab(createHash('sha256').update(input.signer.signerDer).digest()) }),
			issuerSerial.toSchema()
		]
	});
	const attributes = [
		new pkijs.Attribute({ type: OID.contentType, values: [new asn1js.ObjectIdentifier({ value: OID.data })] }),
		new pkijs.Attribute({
			type: OID.messageDigest,
			values: [new asn1js.OctetString({ valueHex: ab(createHash('sha256').update(input.content).digest()) })]
		}),
		new pkijs.Attribute({
			type: OID.signingCertificateV2,
			values: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] })]
		})
	];
	const encoded = (a: pkijs.Attribute) => Buffer.from(a.toSchema().toBER());
	attributes.sort((a, b) => Buffer.compare(encoded(a), encoded(b)));
	const signerInfo = new pkijs.SignerInfo({
		version: 1,
		sid: new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber }),
		digestAlgorithm: sha256Alg(),
		signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes }),
		signatureAlgorithm: new pkijs.AlgorithmIdentifier({
			algorithmId: OID.sha256WithRSAEncryption,
			algorithmParams: new asn1js.Null()
		})
	});
	const toSign = new Uint8Array(signerInfo.signedAttrs!.toSchema().toBER());
	toSign[0] = 0x31;
	const signatureValue = sign('sha256', toSign, input.signer.key);
	signerInfo.signature = new asn1js.OctetString({ valueHex: ab(signatureValue) });
	const token = input.timestamp ? await input.timestamp(signatureValue) : null;
	if (token) {
		signerInfo.unsignedAttrs = new pkijs.SignedAndUnsignedAttributes({
			type: 1,
			attributes: [
				new pkijs.Attribute({ type: OID.signatureTimeStampToken, values: [asn1js.fromBER(ab(token)).result] })
			]
		});
	}
	const signed = new pkijs.SignedData({
		version: 1,
		digestAlgorithms: [sha256Alg()],
		encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.data }),
		certificates: input.chainDer.map((d) => pkijs.Certificate.fromBER(ab(d))),
		...(input.crlDer ? { crls: [pkijs.CertificateRevocationList.fromBER(ab(input.crlDer))] } : {}),
		signerInfos: [signerInfo]
	});
	const contentInfo = new pkijs.ContentInfo({ contentType: OID.signedData, content: signed.toSchema(true) });
	return Buffer.from(contentInfo.toSchema().toBER());
}

let keys: LoadedKeys;
let base: Omit<CmsInput, 'timestamp'>;
beforeAll(() => {
	const dir = join(mkdtempSync(join(tmpdir(), 'js-cms-')), 'keys');
	generateKeys(dir, { programName: 'CMS Test Program' });
	keys = loadKeys(dir);
	const signer = unlockP12(Buffer.from(keys.pdf.p12), keys.pdf.passphrase);
	base = {
		content: Buffer.from('the bytes of a PDF, in its /ByteRange'),
		signer,
		chainDer: [signer.signerDer, ...signer.certificatesDer.filter((d) => !d.equals(signer.signerDer))],
		crlDer: keys.crl?.der ?? null
	};
});

describe('the PAdES CMS', () => {
	it('without a time-stamp: the bytes PKI.js wrote', async () => {
		expect(base.crlDer).not.toBeNull();
		expect((await buildPadesCms(base)).equals(await pkijsCms(base))).toBe(true);
		const noCrl = { ...base, crlDer: null };
		expect((await buildPadesCms(noCrl)).equals(await pkijsCms(noCrl))).toBe(true);
	});

	it('with a time-stamp token (long enough for a three-byte length): the bytes PKI.js wrote, the token as it came', async () => {
		// Any DER does for the comparison; a real token's checks are tsa.ts's and pades.test.ts's.
		const token = new Uint8Array(
			new asn1js.Sequence({
				value: [
					new asn1js.ObjectIdentifier({ value: OID.signedData }),
					new asn1js.OctetString({ valueHex: ab(new Uint8Array(70_000).fill(7)) })
				]
			}).toBER()
		);
		const input = { ...base, timestamp: async () => token };
		const cms = await buildPadesCms(input);
		expect(cms.equals(await pkijsCms(input))).toBe(true);
		expect(cms.includes(Buffer.from(token))).toBe(true);
		// and PKI.js reads it back: one signer, its unsigned attribute the token
		const read = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(ab(cms)).content });
		expect(read.signerInfos[0].unsignedAttrs!.attributes.map((a) => a.type)).toEqual([OID.signatureTimeStampToken]);
		expect(read.certificates).toHaveLength(base.chainDer.length);
	});
});
