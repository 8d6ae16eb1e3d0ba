/**
 * The PDF's PKCS#7 (detached) signer: @signpdf's P12Signer, with two costs taken out of every
 * certificate. The P12 is decrypted once per thread instead of once per signature (~15 ms), and the
 * RSA operation runs in node's crypto instead of node-forge's JavaScript (~28 ms → ~1 ms). forge
 * still builds the CMS structure exactly as P12Signer does.
 */
import { constants, createHash, createPrivateKey, privateEncrypt, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { Signer, SignPdfError } from '@signpdf/utils';

// DER prefix of a DigestInfo for SHA-256 (RFC 8017 §9.2, note 1): what RSASSA-PKCS1-v1_5 signs.
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

interface Unlocked {
	certificates: forge.pki.Certificate[];
	certificate: forge.pki.Certificate;
	key: KeyObject;
}

const unlocked = new Map<string, Unlocked>();

function unlock(p12: Buffer, passphrase: string): Unlocked {
	const id = createHash('sha256').update(p12).update('\0').update(passphrase).digest('hex');
	const cached = unlocked.get(id);
	if (cached) return cached;
	const parsed = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.createBuffer(p12.toString('binary'))), false, passphrase);
	const certificates = (parsed.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? []).map((b) => b.cert!).filter(Boolean);
	const privateKey = parsed.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag]?.[0]?.key as forge.pki.rsa.PrivateKey | undefined;
	if (!privateKey) throw new SignPdfError('The P12 holds no private key.', SignPdfError.TYPE_INPUT);
	const certificate = certificates.find((c) => {
		const pub = c.publicKey as forge.pki.rsa.PublicKey;
		return privateKey.n.compareTo(pub.n) === 0 && privateKey.e.compareTo(pub.e) === 0;
	});
	if (!certificate) throw new SignPdfError('Failed to find a certificate that matches the private key.', SignPdfError.TYPE_INPUT);
	const entry = { certificates, certificate, key: createPrivateKey(forge.pki.privateKeyToPem(privateKey)) };
	unlocked.set(id, entry);
	return entry;
}

export class CachedP12Signer extends Signer {
	readonly #p12: Buffer;
	readonly #passphrase: string;

	constructor(p12: Buffer, passphrase: string) {
		super();
		this.#p12 = p12;
		this.#passphrase = passphrase;
	}

	async sign(pdfBuffer: Buffer, signingTime?: Date): Promise<Buffer> {
		const { certificates, certificate, key } = unlock(this.#p12, this.#passphrase);
		const p7 = forge.pkcs7.createSignedData();
		p7.content = forge.util.createBuffer(pdfBuffer.toString('binary'));
		for (const c of certificates) p7.addCertificate(c);
		// forge only calls key.sign(md) with the SHA-256 of the authenticated attributes.
		const rsa = {
			sign(md: forge.md.MessageDigest): string {
				const digest = Buffer.from(md.digest().getBytes(), 'binary');
				return privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([SHA256_DIGEST_INFO, digest])).toString('binary');
			}
		};
		p7.addSigner({
			key: rsa as unknown as forge.pki.rsa.PrivateKey,
			certificate,
			digestAlgorithm: forge.pki.oids.sha256,
			// The same attributes, in the same order, as @signpdf's P12Signer (EU validators check the order).
			authenticatedAttributes: [
				{ type: forge.pki.oids.contentType, value: forge.pki.oids.data },
				{ type: forge.pki.oids.signingTime, value: (signingTime ?? new Date()) as unknown as string },
				{ type: forge.pki.oids.messageDigest }
			]
		});
		p7.sign({ detached: true });
		return Buffer.from(forge.asn1.toDer(p7.toAsn1()).getBytes(), 'binary');
	}
}
