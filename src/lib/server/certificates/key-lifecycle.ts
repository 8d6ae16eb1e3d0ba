/**
 * What happens to keys after they are made: revoking a signing key (it goes on the CA's CRL), issuing
 * a fresh CRL, and moving the CA key of an older deployment out of the server's keys folder. Each
 * step works on the two folders only; the CLI then brings the registry (signing_keys) up to date, and
 * the server does the same from keys.json at its next start.
 */
import { createPublicKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { adoptCa, CA_CERT, CA_CRL, CA_KEY, issueCrl, openCa, saveCaRecord, type CaRecord } from './ca-folder';
import { removeSecret, writeFileAtomic } from './files';
import { readManifest, writeManifest, type Ed25519Entry, type KeyManifest, type PdfEntry } from './key-manifest';
import { KeysError } from './keys-folder';
import { crlUrlOf, organizationOf, parseCertificate, pemToDer, serialHexOf, type RevocationReason } from './x509';

export interface RevokeSummary {
	pdfKeyId: string | null;
	ed25519KeyId: string | null;
	serial: string | null;
	from: string;
	already: boolean;
	crlNextUpdate: string | null;
}

/** A PDF key and the Ed25519 key made with it: found by either id. */
function findPair(m: KeyManifest, id: string): { pdf: PdfEntry | undefined; ed: Ed25519Entry | undefined } {
	let pdf = m.pdf.find((k) => k.keyId === id);
	let ed = m.ed25519.find((k) => k.keyId === id);
	// Manifests from before pairs were recorded: a pair was written with one createdAt.
	if (pdf && !ed)
		ed = m.ed25519.find((k) => k.keyId === pdf!.ed25519KeyId || (!pdf!.ed25519KeyId && k.createdAt === pdf!.createdAt));
	if (ed && !pdf)
		pdf = m.pdf.find((k) => k.ed25519KeyId === ed!.keyId || (!k.ed25519KeyId && k.createdAt === ed!.createdAt));
	return { pdf, ed };
}

/**
 * Mark a key (and the key made with it) compromised from `from` and put its certificate on a fresh
 * CRL. The key the server signs with is refused: rotate first, so the server never signs with a
 * revoked key.
 */
export function revokeKey(
	dir: string,
	opts: { caDir: string; keyId: string; from: Date; reason: RevocationReason; now?: Date; crlDays?: number }
): RevokeSummary {
	const now = opts.now ?? new Date();
	const manifest = readManifest(dir);
	if (!manifest) throw new KeysError(`No signing keys in ${dir}`);
	const { pdf, ed } = findPair(manifest, opts.keyId);
	if (!pdf && !ed) throw new KeysError(`No key ${opts.keyId} in ${dir}: \`npm run cli -- keys:list\` shows every key`);
	if (pdf?.keyId === manifest.active.pdf || ed?.keyId === manifest.active.ed25519) {
		throw new KeysError(
			`${opts.keyId} is the key the server signs with now: make new keys first (\`keys:generate\`), restart the server, then revoke this one`
		);
	}
	if (Number.isNaN(opts.from.getTime()))
		throw new KeysError('--from must be a date, e.g. 2026-05-01 or 2026-05-01T14:00:00Z');
	if (opts.from.getTime() > now.getTime())
		throw new KeysError('--from is in the future: a key is revoked from when it was (or may have been) compromised');
	const from = opts.from.toISOString();
	if ((!pdf || pdf.revokedFrom) && (!ed || ed.revokedFrom)) {
		return {
			pdfKeyId: pdf?.keyId ?? null,
			ed25519KeyId: ed?.keyId ?? null,
			serial: null,
			from: pdf?.revokedFrom ?? ed!.revokedFrom!,
			already: true,
			crlNextUpdate: null
		};
	}

	const ca = openCa(opts.caDir);
	let serial: string | null = null;
	if (pdf) {
		const cert = parseCertificate(pemToDer(pdf.certPem));
		if (!cert.issuer.isEqual(parseCertificate(ca.certDer).subject))
			throw new KeysError(`The certificate of ${pdf.keyId} was not issued by the CA in ${opts.caDir}`);
		serial = serialHexOf(cert);
		if (!ca.record.revoked.some((r) => r.serial === serial)) {
			ca.record.revoked.push({ keyId: pdf.keyId, serial, from, reason: opts.reason, recordedAt: now.toISOString() });
			saveCaRecord(ca);
		}
	}
	for (const e of [pdf, ed]) {
		if (!e || e.revokedFrom) continue;
		e.revokedFrom = from;
		e.revocationReason = opts.reason;
		e.revokedAt = now.toISOString();
	}
	const crl = issueCrl(ca, now, opts.crlDays);
	writeFileAtomic(join(dir, CA_CRL), crl.der);
	writeManifest(dir, manifest);
	return {
		pdfKeyId: pdf?.keyId ?? null,
		ed25519KeyId: ed?.keyId ?? null,
		serial,
		from,
		already: false,
		crlNextUpdate: crl.nextUpdate
	};
}

/**
 * A fresh CRL from the CA folder alone (it may be on a machine of its own). It is also written into
 * the keys folder when that folder is here and holds this CA's certificate.
 */
export function refreshCrl(caDir: string, keysDir: string | null, opts: { now?: Date; days?: number } = {}) {
	const ca = openCa(caDir);
	const crl = issueCrl(ca, opts.now ?? new Date(), opts.days);
	const written = [join(caDir, CA_CRL)];
	if (keysDir && existsSync(join(keysDir, CA_CERT))) {
		if (!pemToDer(readFileSync(join(keysDir, CA_CERT), 'utf8')).equals(ca.certDer))
			throw new KeysError(
				`The keys folder ${keysDir} belongs to another CA than ${caDir}; the new CRL is in ${written[0]}`
			);
		writeFileAtomic(join(keysDir, CA_CRL), crl.der);
		written.push(join(keysDir, CA_CRL));
	}
	return { ...crl, revoked: ca.record.revoked.length, written };
}

/**
 * Move the CA key of a deployment made before the CA folder existed out of the keys folder: it is
 * written to `toDir` with the CA's record (every signer listed in keys.json), checked there, and
 * only then wiped from the keys folder. A first CRL is issued into both folders.
 */
export function moveCa(keysDir: string, toDir: string, now = new Date()) {
	keysDir = resolve(keysDir);
	toDir = resolve(toDir);
	const keyPath = join(keysDir, CA_KEY);
	if (!existsSync(keyPath)) throw new KeysError(`There is no CA key in ${keysDir}: nothing to move`);
	const inside = relative(keysDir, toDir);
	if (toDir === keysDir || !inside.startsWith('..'))
		throw new KeysError('--to must be a folder outside the keys folder');
	const manifest = readManifest(keysDir);
	if (!manifest) throw new KeysError(`${keysDir} has a CA key but no keys.json: this is not a keys folder`);
	const keyPem = readFileSync(keyPath, 'utf8');
	const certPem = readFileSync(join(keysDir, CA_CERT), 'utf8');
	const caCert = parseCertificate(pemToDer(certPem));
	const spki = (pem: string) => createPublicKey(pem).export({ format: 'der', type: 'spki' });
	if (!spki(keyPem).equals(Buffer.from(caCert.subjectPublicKeyInfo.toSchema().toBER())))
		throw new KeysError(`${keyPath} is not the key of ${join(keysDir, CA_CERT)}`);

	const signers = manifest.pdf
		.map((k) => ({ entry: k, cert: parseCertificate(pemToDer(k.certPem)) }))
		.filter((s) => s.cert.issuer.isEqual(caCert.subject));
	const record: CaRecord = {
		program: manifest.program ?? { slug: null, name: organizationOf(caCert) ?? 'Program' },
		createdAt: caCert.notBefore.value.toISOString(),
		crlNumber: 0,
		issued: signers.map((s) => ({
			keyId: s.entry.keyId,
			serial: serialHexOf(s.cert),
			issuedAt: s.entry.createdAt,
			notAfter: s.cert.notAfter.value.toISOString()
		})),
		revoked: signers
			.filter((s) => s.entry.revokedFrom)
			.map((s) => ({
				keyId: s.entry.keyId,
				serial: serialHexOf(s.cert),
				from: s.entry.revokedFrom!,
				reason: s.entry.revocationReason ?? 'unspecified',
				recordedAt: s.entry.revokedAt ?? now.toISOString()
			}))
	};
	adoptCa(toDir, keyPem, certPem, record);
	const moved = openCa(toDir);
	if (!spki(readFileSync(join(toDir, CA_KEY), 'utf8')).equals(spki(keyPem)) || !moved.certDer.equals(pemToDer(certPem)))
		throw new KeysError(`The copy in ${toDir} does not read back the same; the key stays in ${keysDir}`);
	const crl = issueCrl(moved, now);
	writeFileAtomic(join(keysDir, CA_CRL), crl.der);
	removeSecret(keyPath);
	const active = manifest.pdf.find((k) => k.keyId === manifest.active.pdf);
	return {
		toDir,
		crlNextUpdate: crl.nextUpdate,
		activeNamesCrl: active ? crlUrlOf(parseCertificate(pemToDer(active.certPem))) !== null : false,
		signers: signers.length
	};
}
