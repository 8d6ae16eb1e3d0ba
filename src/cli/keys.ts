// The keys commands of the operators' CLI (registered by main.ts). The CA folder is the CLI's alone:
// CA_DIR is read here and never by the server, which holds only what signing needs.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { audit } from '../lib/server/audit/audit';
import { CaError } from '../lib/server/certificates/ca-folder';
import { moveCa, refreshCrl, revokeKey } from '../lib/server/certificates/key-lifecycle';
import { generateKeys, KeysError, loadKeys, readCrlFile, readManifest } from '../lib/server/certificates/keys-folder';
import { syncSigningKeys } from '../lib/server/certificates/signing-keys.queries';
import {
	REVOCATION_REASONS,
	fingerprintSha256,
	pemToDer,
	type RevocationReason
} from '../lib/server/certificates/x509';
import { clock } from '../lib/server/clock';
import { config } from '../lib/server/config';
import type { DbHandle } from '../lib/server/db';

export const KEYS_HELP = `  keys:generate --ca-dir <dir> [--program <slug>] [--crl-url <url>] [--dir <dir>] [--crl-days <n>]
                                make the signing keys, or rotate them (the old ones are marked retired
                                and kept); the first run makes the program CA in the CA folder. The
                                signer is named after the program; the CRL URL defaults to
                                PUBLIC_ORIGIN (or ORIGIN) + /api/v1/keys/ca.crl
  keys:list [--dir <dir>]       every key with its status, the CA's fingerprint and the CRL's dates
  keys:revoke --key <id> --from <date> --reason <reason> --ca-dir <dir> [--dir <dir>]
                                mark a key compromised from <date> and put it on a fresh CRL;
                                reasons: ${Object.keys(REVOCATION_REASONS).join(', ')}
  keys:crl --ca-dir <dir> [--dir <dir>] [--days <n>]
                                issue a fresh CRL (valid 30 days unless --days); run it at least
                                monthly: the server warns 7 days before the current one runs out
  keys:move-ca --to <dir> [--dir <dir>]
                                move an older deployment's CA key out of the keys folder
  The CA folder (--ca-dir or CA_DIR) holds the CA's private key: keep it off the server.`;

type Fail = (message: string) => never;
type WithDb = <T>(fn: (h: DbHandle) => Promise<T>) => Promise<T>;

const DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

function caDirFrom(value: string | undefined, fail: Fail): string {
	const dir = value ?? process.env.CA_DIR;
	if (!dir)
		fail(
			'give the CA folder: --ca-dir <folder> (or CA_DIR). It holds the CA private key: keep it off the server, e.g. on a removable drive'
		);
	return resolve(dir);
}

function days(value: string | undefined, fail: Fail): number | undefined {
	if (value === undefined) return undefined;
	const n = Number(value);
	if (!Number.isInteger(n) || n < 1 || n > 366) fail('the CRL is issued for a whole number of days, 1 to 366');
	return n;
}

/** Known refusals of the key modules become usage errors (a message and exit 2), not stack traces. */
function plain<T>(fn: () => T, fail: Fail): T {
	try {
		return fn();
	} catch (e) {
		if (e instanceof KeysError || e instanceof CaError) fail(e.message);
		throw e;
	}
}

export function keysCommands(opts: { withDb: WithDb; fail: Fail }): Record<string, (args: string[]) => Promise<void>> {
	// Declared with its type, so TypeScript narrows after a call (a destructured parameter would not).
	const fail: Fail = opts.fail;
	const withDb = opts.withDb;
	return {
		async 'keys:generate'(args) {
			if (args.includes('--program-name'))
				fail(
					'--program-name is gone: the signer is named after the program in the database (choose it with --program <slug>)'
				);
			const { values } = parseArgs({
				args,
				options: {
					dir: { type: 'string' },
					'ca-dir': { type: 'string' },
					program: { type: 'string' },
					'crl-url': { type: 'string' },
					'crl-days': { type: 'string' }
				}
			});
			const dir = resolve(values.dir ?? config.keysDir);
			const caDir = caDirFrom(values['ca-dir'], fail);
			const origin = config.publicOrigin?.replace(/\/$/, '');
			const crlUrl = values['crl-url'] ?? (origin ? `${origin}/api/v1/keys/ca.crl` : undefined);
			if (!crlUrl)
				fail(
					'the signing certificate must say where its CRL is published: set PUBLIC_ORIGIN (or ORIGIN) to the public address, or give --crl-url <url>'
				);
			if (!/^https?:\/\/[^\s/]+\/\S*$/.test(crlUrl)) fail(`--crl-url must be an http(s) address, not "${crlUrl}"`);
			const crlDays = days(values['crl-days'], fail);
			await withDb(async (h) => {
				const programs = await h.db.selectFrom('programs').select(['slug', 'name']).orderBy('slug').execute();
				if (programs.length === 0)
					fail('there is no program yet: the signer is named after the program, so create the program first');
				const program = values.program
					? programs.find((p) => p.slug === values.program)
					: programs.length === 1
						? programs[0]
						: undefined;
				if (!program)
					fail(
						values.program
							? `no program with slug "${values.program}"`
							: `--program <slug> is required when there is more than one program (${programs.map((p) => p.slug).join(', ')})`
					);
				const s = plain(
					() =>
						generateKeys(dir, {
							programName: program.name,
							programSlug: program.slug,
							caDir,
							crlUrl,
							crlDays,
							now: clock.now()
						}),
					fail
				);
				await h.db.transaction().execute(async (trx) => {
					await syncSigningKeys(trx, loadKeys(dir).records, clock.iso());
					await audit(trx, {
						actorId: null,
						action: 'signing_key.generate',
						targetType: 'signing_key',
						targetId: s.pdfKeyId,
						details: {
							ed25519KeyId: s.ed25519KeyId,
							retiredPdfKeyId: s.retired.pdf,
							retiredEd25519KeyId: s.retired.ed25519,
							caCreated: s.caCreated
						}
					});
				});
				console.log(
					s.caCreated
						? `Created the program CA in ${s.caDir} and keys in ${s.dir}:`
						: `Rotated keys in ${s.dir} (the CA in ${s.caDir} and the old keys stay):`
				);
				console.log(
					`  Ed25519 key ${s.ed25519KeyId}, PDF signing certificate ${s.pdfKeyId} "${s.signerName} Certificate Signing" (now active)`
				);
				if (s.retired.pdf || s.retired.ed25519)
					console.log(
						`  Retired: ${[s.retired.pdf, s.retired.ed25519].filter(Boolean).join(', ')} (old certificates still verify with them)`
					);
				console.log(
					`  The certificate names its CRL at ${crlUrl}; the CRL in both folders is good until ${s.crlNextUpdate.slice(0, 10)}.`
				);
				if (s.nameNote) console.log(`  Note: ${s.nameNote}`);
				if (s.caCreated)
					console.log(`  CA fingerprint (SHA-256): ${fingerprintSha256(pemToDer(loadKeys(dir).caCertPem))}`);
				console.log('  Restart the server to sign with the new keys. Then put the CA folder away, off the server.');
			});
		},

		async 'keys:list'(args) {
			const { values } = parseArgs({ args, options: { dir: { type: 'string' } } });
			const dir = resolve(values.dir ?? config.keysDir);
			if (!readManifest(dir)) fail(`no signing keys in ${dir}`);
			const keys = plain(() => loadKeys(dir), fail);
			console.log(`Keys in ${dir}; program CA fingerprint (SHA-256) ${keys.ca.fingerprintSha256}`);
			const crl = readCrlFile(dir, keys.ca.certDer);
			console.log(
				crl
					? `CRL issued ${crl.thisUpdate.slice(0, 10)}, good until ${crl.nextUpdate.slice(0, 10)}`
					: 'No valid CRL in the keys folder: run keys:crl'
			);
			for (const k of keys.records) {
				const status = k.revokedFrom
					? `revoked from ${k.revokedFrom} (${k.revocationReason})`
					: k.retiredAt
						? `retired ${k.retiredAt}`
						: 'active';
				console.log(
					`  ${k.kind.padEnd(7)} ${k.id}  made ${k.createdAt}  ${status}${k.certSerial ? `  serial ${k.certSerial}` : ''}`
				);
			}
		},

		async 'keys:revoke'(args) {
			const { values } = parseArgs({
				args,
				options: {
					key: { type: 'string' },
					from: { type: 'string' },
					reason: { type: 'string' },
					dir: { type: 'string' },
					'ca-dir': { type: 'string' },
					'crl-days': { type: 'string' }
				}
			});
			if (!values.key) fail('--key <key id> is required (keys:list shows them)');
			if (!values.from || !DATE.test(values.from))
				fail(
					'--from <date> is required: when the key was (or may have been) compromised, e.g. 2026-05-01 or 2026-05-01T14:00:00Z'
				);
			const reasons = Object.keys(REVOCATION_REASONS);
			if (!values.reason || !reasons.includes(values.reason)) fail(`--reason must be one of ${reasons.join(', ')}`);
			const dir = resolve(values.dir ?? config.keysDir);
			const caDir = caDirFrom(values['ca-dir'], fail);
			const crlDays = days(values['crl-days'], fail);
			const s = plain(
				() =>
					revokeKey(dir, {
						caDir,
						keyId: values.key!,
						from: new Date(values.from!),
						reason: values.reason as RevocationReason,
						now: clock.now(),
						crlDays
					}),
				fail
			);
			await withDb(async (h) => {
				await h.db.transaction().execute(async (trx) => {
					await syncSigningKeys(trx, loadKeys(dir).records, clock.iso());
					if (!s.already)
						await audit(trx, {
							actorId: null,
							action: 'signing_key.revoke',
							targetType: 'signing_key',
							targetId: s.pdfKeyId ?? s.ed25519KeyId,
							details: { ed25519KeyId: s.ed25519KeyId, from: s.from, reason: values.reason!, certSerial: s.serial }
						});
				});
			});
			const ids = [s.pdfKeyId, s.ed25519KeyId].filter(Boolean).join(' and ');
			if (s.already) {
				console.log(
					`${ids} ${s.pdfKeyId && s.ed25519KeyId ? 'were' : 'was'} already revoked (from ${s.from}); nothing changed.`
				);
				return;
			}
			console.log(`Revoked ${ids} from ${s.from} (${values.reason}).`);
			if (s.serial)
				console.log(
					`  Certificate serial ${s.serial} is on the new CRL (good until ${s.crlNextUpdate!.slice(0, 10)}), written to ${caDir} and ${dir}; the server serves it within seconds.`
				);
		},

		async 'keys:crl'(args) {
			const { values } = parseArgs({
				args,
				options: { dir: { type: 'string' }, 'ca-dir': { type: 'string' }, days: { type: 'string' } }
			});
			const caDir = caDirFrom(values['ca-dir'], fail);
			const keysDir = resolve(values.dir ?? config.keysDir);
			const r = plain(
				() =>
					refreshCrl(caDir, existsSync(keysDir) ? keysDir : null, { now: clock.now(), days: days(values.days, fail) }),
				fail
			);
			console.log(
				`Issued CRL number ${r.number}: ${r.revoked} revoked certificate(s), issued ${r.thisUpdate}, good until ${r.nextUpdate}.`
			);
			for (const f of r.written) console.log(`  wrote ${f}`);
			if (r.written.length === 1)
				console.log(`  Copy it into the server's keys folder as ca.crl (the server picks it up without a restart).`);
		},

		async 'keys:move-ca'(args) {
			const { values } = parseArgs({ args, options: { dir: { type: 'string' }, to: { type: 'string' } } });
			if (!values.to)
				fail('--to <folder> is required: where the CA key goes (a folder off the server, e.g. a removable drive)');
			const dir = resolve(values.dir ?? config.keysDir);
			const r = plain(() => moveCa(dir, values.to!, clock.now()), fail);
			console.log(
				`Moved the CA key out of ${dir} into ${r.toDir} (with the CA's record of ${r.signers} signing certificate(s)); it was overwritten and removed from the keys folder.`
			);
			console.log(`  Issued a first CRL, good until ${r.crlNextUpdate.slice(0, 10)}, into both folders.`);
			if (!r.activeNamesCrl)
				console.log(
					'  The active signing certificate names no CRL: run keys:generate --ca-dir <that folder> to rotate to one that does, then restart the server.'
				);
			console.log(
				'  Backups or old copies of the keys folder still hold the CA key: destroy them or keep them as safe as the CA folder.'
			);
		}
	};
}
