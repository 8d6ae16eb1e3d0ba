// The keys commands, run as an operator runs them (SQLite only, like cli.test.ts: the commands are the
// same code on PostgreSQL), and what they make checked with openssl. The steps build on each other:
// make the CA and keys, rotate, revoke, issue a CRL, then move a CA key out of a keys folder.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const tmp = mkdtempSync(join(tmpdir(), 'js-keys-cli-'));
const dbFile = join(tmp, 'keys.sqlite');
const keysDir = join(tmp, 'keys');
const caDir = join(tmp, 'ca-offline');
const DAY = 86_400_000;

function cli(
	args: string[],
	env: Record<string, string> = {}
): Promise<{ status: number | null; stdout: string; stderr: string }> {
	return new Promise((done, fail) => {
		const child = spawn(TSX, ['src/cli/main.ts', ...args], {
			cwd: ROOT,
			env: {
				...process.env,
				DATABASE_URL: dbFile,
				KEYS_DIR: keysDir,
				CA_DIR: '',
				ORIGIN: '',
				PUBLIC_ORIGIN: '',
				BACKUP_DIR: '',
				...env
			},
			timeout: 120_000
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d) => (stdout += d));
		child.stderr.on('data', (d) => (stderr += d));
		child.on('error', fail);
		child.on('close', (status) => done({ status, stdout, stderr }));
		child.stdin.end();
	});
}

function openssl(args: string[]): { status: number | null; out: string } {
	const r = spawnSync('openssl', args, { encoding: 'utf8' });
	return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const signer = (id: string) => join(keysDir, `signer-${id}.cert.pem`);

/** `openssl verify -crl_check` of a signer against the keys folder's CA and CRL. */
function verifyWithCrl(id: string) {
	const crl = join(tmp, 'crl.pem');
	expect(openssl(['crl', '-inform', 'DER', '-in', join(keysDir, 'ca.crl'), '-out', crl]).status).toBe(0);
	return openssl(['verify', '-crl_check', '-CRLfile', crl, '-CAfile', join(keysDir, 'ca.cert.pem'), signer(id)]);
}

function sql<T>(query: string, ...params: unknown[]): T[] {
	const db = new SQLite(dbFile, { readonly: true });
	try {
		return db.prepare(query).all(...params) as T[];
	} finally {
		db.close();
	}
}

function manifest(): { active: { pdf: string; ed25519: string }; pdf: { keyId: string }[] } {
	return JSON.parse(readFileSync(join(keysDir, 'keys.json'), 'utf8'));
}

describe('keys commands on sqlite', () => {
	beforeAll(async () => {
		expect((await cli(['db:migrate'])).status).toBe(0);
		const db = new SQLite(dbFile);
		const add = db.prepare(
			"insert into programs (id, slug, name, provider, serial_prefix, settings_json, created_at) values (?, ?, ?, ?, ?, '{}', '2026-01-01T00:00:00.000Z')"
		);
		add.run('p-alpha', 'alpha', 'Alpha County Program', 'Alpha Provider', 'AL');
		add.run('p-beta', 'beta', 'Beta County Program', 'Beta Provider', 'BE');
		db.close();
	}, 120_000);
	afterAll(() => rmSync(tmp, { recursive: true, force: true }));

	it('refuses keys:generate without a CA folder, a CRL address, or a program when there are two, writing nothing', async () => {
		const [noCa, noUrl, which, old] = await Promise.all([
			cli(['keys:generate', '--program', 'alpha'], { PUBLIC_ORIGIN: 'https://js.test' }),
			cli(['keys:generate', '--ca-dir', caDir, '--program', 'alpha']),
			cli(['keys:generate', '--ca-dir', caDir], { PUBLIC_ORIGIN: 'https://js.test' }),
			cli(['keys:generate', '--ca-dir', caDir, '--program-name', 'John School'], { PUBLIC_ORIGIN: 'https://js.test' })
		]);
		for (const r of [noCa, noUrl, which, old]) expect(r.status).toBe(2);
		expect(noCa.stderr).toMatch(
			/give the CA folder: --ca-dir <folder> \(or CA_DIR\)\. It holds the CA private key: keep it off the server/
		);
		expect(noUrl.stderr).toMatch(
			/must say where its CRL is published: set PUBLIC_ORIGIN \(or ORIGIN\).*or give --crl-url/
		);
		expect(which.stderr).toContain('--program <slug> is required when there is more than one program (alpha, beta)');
		expect(old.stderr).toContain('--program-name is gone: the signer is named after the program');
		expect(existsSync(keysDir) || existsSync(caDir)).toBe(false);
	}, 60_000);

	let first: string;
	let second: string;

	it('makes the CA in the CA folder and keys named after the program, the signer naming the CRL (openssl x509 -text)', async () => {
		const r = await cli(['keys:generate', '--ca-dir', caDir, '--program', 'alpha'], {
			PUBLIC_ORIGIN: 'https://js.test/'
		});
		expect(r.stderr).toBe('');
		expect(r.status).toBe(0);
		expect(r.stdout).toContain(`Created the program CA in ${caDir} and keys in ${keysDir}:`);
		first = manifest().active.pdf;
		const fp = openssl(['x509', '-in', join(keysDir, 'ca.cert.pem'), '-noout', '-fingerprint', '-sha256'])
			.out.trim()
			.replace('sha256 Fingerprint=', '');
		expect(r.stdout).toContain(`CA fingerprint (SHA-256): ${fp}`);
		expect(readdirSync(keysDir)).not.toContain('ca.key.pem');
		expect(readdirSync(caDir)).toEqual(expect.arrayContaining(['ca.key.pem', 'ca.cert.pem', 'ca.json', 'ca.crl']));

		const text = openssl(['x509', '-in', signer(first), '-noout', '-text']).out;
		expect(text).toContain('Subject: O = Alpha County Program, CN = Alpha County Program Certificate Signing');
		expect(text).toMatch(
			/X509v3 CRL Distribution Points: *\n\s+Full Name:\n\s+URI:https:\/\/js\.test\/api\/v1\/keys\/ca\.crl/
		);
		expect(
			sql<{ n: number }>('select count(*) n from signing_keys where retired_at is null and compromised_from is null')[0]
				.n
		).toBe(2);
		expect(sql<{ target_id: string }>("select target_id from audit_log where action = 'signing_key.generate'")).toEqual(
			[{ target_id: first }]
		);
	}, 60_000);

	it('rotates with the same signer name after the program is renamed, marking the old keys retired', async () => {
		const db = new SQLite(dbFile);
		db.prepare("update programs set name = 'Alpha Renamed Program' where slug = 'alpha'").run();
		db.close();
		const r = await cli([
			'keys:generate',
			'--ca-dir',
			caDir,
			'--program',
			'alpha',
			'--crl-url',
			'https://js.test/api/v1/keys/ca.crl'
		]);
		expect(r.status).toBe(0);
		expect(r.stdout).toContain(`Rotated keys in ${keysDir}`);
		expect(r.stdout).toMatch(new RegExp(`Retired: ${first}, [0-9a-f]{16}`));
		expect(r.stdout).toContain(
			'Note: The program is now called "Alpha Renamed Program"; its signing certificates keep the CA\'s name "Alpha County Program"'
		);
		second = manifest().active.pdf;
		const subject = (id: string) => openssl(['x509', '-in', signer(id), '-noout', '-subject']).out;
		expect(subject(second)).toBe(subject(first));
		const list = await cli(['keys:list']);
		expect(list.stdout).toMatch(new RegExp(`pdf\\s+${first}\\s+made \\S+\\s+retired \\d{4}-`));
		expect(list.stdout).toMatch(new RegExp(`pdf\\s+${second}\\s+made \\S+\\s+active`));
		expect(
			sql<{ retired_at: string | null }>('select retired_at from signing_keys where id = ?', first)[0].retired_at
		).toMatch(/^\d{4}-/);
	}, 60_000);

	it('refuses keys:revoke of the active key, a future date, an unknown reason, or without --from', async () => {
		const [active, future, reason, noFrom] = await Promise.all([
			cli(['keys:revoke', '--key', second, '--from', '2026-01-01', '--reason', 'key-compromise', '--ca-dir', caDir]),
			cli([
				'keys:revoke',
				'--key',
				first,
				'--from',
				new Date(Date.now() + 2 * DAY).toISOString().slice(0, 10),
				'--reason',
				'key-compromise',
				'--ca-dir',
				caDir
			]),
			cli(['keys:revoke', '--key', first, '--from', '2026-01-01', '--reason', 'stolen', '--ca-dir', caDir]),
			cli(['keys:revoke', '--key', first, '--reason', 'key-compromise', '--ca-dir', caDir])
		]);
		for (const r of [active, future, reason, noFrom]) expect(r.status).toBe(2);
		expect(active.stderr).toContain(
			'is the key the server signs with now: make new keys first (`keys:generate`), restart the server, then revoke this one'
		);
		expect(future.stderr).toContain('--from is in the future');
		expect(reason.stderr).toContain(
			'--reason must be one of unspecified, key-compromise, ca-compromise, affiliation-changed, superseded, cessation-of-operation'
		);
		expect(noFrom.stderr).toContain('--from <date> is required');
		expect(sql<{ n: number }>('select count(*) n from signing_keys where compromised_from is not null')[0].n).toBe(0);
	}, 60_000);

	it('revokes the retired key from a date: on the CRL (openssl crl -text), refused by openssl verify -crl_check, the active one still passing', async () => {
		const from = new Date(Date.now() - 3 * DAY).toISOString().slice(0, 10);
		const r = await cli([
			'keys:revoke',
			'--key',
			first,
			'--from',
			from,
			'--reason',
			'key-compromise',
			'--ca-dir',
			caDir
		]);
		expect(r.stderr).toBe('');
		expect(r.status).toBe(0);
		expect(r.stdout).toMatch(
			new RegExp(`^Revoked ${first} and [0-9a-f]{16} from ${from}T00:00:00.000Z \\(key-compromise\\)\\.`, 'm')
		);

		const serial = openssl(['x509', '-in', signer(first), '-noout', '-serial'])
			.out.trim()
			.replace('serial=', '');
		const text = openssl(['crl', '-inform', 'DER', '-in', join(keysDir, 'ca.crl'), '-noout', '-text']).out;
		const day = new Date(`${from}T00:00:00Z`)
			.toUTCString()
			.slice(5, 16)
			.replace(/^(\d\d) (\w+) (\d+)$/, (_, d, m, y) => `${m} ${String(Number(d)).padStart(2, ' ')} 00:00:00 ${y}`);
		expect(text).toContain(`Serial Number: ${serial}`);
		expect(text).toContain(`Revocation Date: ${day} GMT`);
		expect(text).toMatch(/CRL Reason Code: *\n\s+Key Compromise/);
		const revoked = verifyWithCrl(first);
		expect(revoked.status).not.toBe(0);
		expect(revoked.out).toContain('certificate revoked');
		expect(verifyWithCrl(second)).toMatchObject({ status: 0 });

		expect(
			sql<{ revocation_reason: string; compromised_from: string }>(
				'select revocation_reason, compromised_from from signing_keys where id = ?',
				first
			)[0]
		).toEqual({ revocation_reason: 'key-compromise', compromised_from: `${from}T00:00:00.000Z` });
		expect(sql<{ target_id: string }>("select target_id from audit_log where action = 'signing_key.revoke'")).toEqual([
			{ target_id: first }
		]);
		const again = await cli([
			'keys:revoke',
			'--key',
			first,
			'--from',
			from,
			'--reason',
			'key-compromise',
			'--ca-dir',
			caDir
		]);
		expect(again.stdout).toContain('already revoked');
		expect(sql<{ n: number }>("select count(*) n from audit_log where action = 'signing_key.revoke'")[0].n).toBe(1);
	}, 60_000);

	it('issues a fresh CRL for the days asked (openssl crl shows the dates and a higher number), into both folders', async () => {
		const before = openssl([
			'crl',
			'-inform',
			'DER',
			'-in',
			join(keysDir, 'ca.crl'),
			'-noout',
			'-crlnumber'
		]).out.trim();
		const r = await cli(['keys:crl', '--ca-dir', caDir, '--days', '10']);
		expect(r.status).toBe(0);
		expect(r.stdout).toMatch(/^Issued CRL number \d+: 1 revoked certificate\(s\), issued \S+, good until \S+\./m);
		expect(r.stdout).toContain(`wrote ${join(keysDir, 'ca.crl')}`);
		const out = openssl([
			'crl',
			'-inform',
			'DER',
			'-in',
			join(keysDir, 'ca.crl'),
			'-noout',
			'-lastupdate',
			'-nextupdate',
			'-crlnumber'
		]).out;
		const last = new Date(out.match(/lastUpdate=(.+)/)![1]).getTime();
		const next = new Date(out.match(/nextUpdate=(.+)/)![1]).getTime();
		expect(next - last).toBe(10 * DAY);
		expect(Number.parseInt(out.match(/crlNumber=(\w+)/)![1], 16)).toBe(
			Number.parseInt(before.replace('crlNumber=', ''), 16) + 1
		);
		expect(readFileSync(join(caDir, 'ca.crl')).equals(readFileSync(join(keysDir, 'ca.crl')))).toBe(true);
		const offline = await cli(['keys:crl', '--ca-dir', caDir, '--dir', join(tmp, 'not-on-this-machine')]);
		expect(offline.stdout).toContain("Copy it into the server's keys folder as ca.crl");
	}, 60_000);

	it('moves a CA key found in the keys folder out of it (keys:move-ca), refusing a target inside the keys folder', async () => {
		cpSync(join(caDir, 'ca.key.pem'), join(keysDir, 'ca.key.pem')); // as an earlier version left it
		const blocked = await cli(['keys:generate', '--ca-dir', caDir, '--program', 'alpha'], {
			PUBLIC_ORIGIN: 'https://js.test'
		});
		expect(blocked.status).toBe(2);
		expect(blocked.stderr).toContain('The CA private key is still in the keys folder');
		expect((await cli(['keys:move-ca'])).stderr).toContain('--to <folder> is required');
		const inside = await cli(['keys:move-ca', '--to', join(keysDir, 'ca')]);
		expect(inside.stderr).toContain('--to must be a folder outside the keys folder');
		const taken = await cli(['keys:move-ca', '--to', caDir]);
		expect(taken.stderr).toContain('already holds a CA key: choose an empty folder');

		const moved = join(tmp, 'usb-drive', 'ca');
		const r = await cli(['keys:move-ca', '--to', moved]);
		expect(r.stderr).toBe('');
		expect(r.status).toBe(0);
		expect(r.stdout).toContain(
			`Moved the CA key out of ${keysDir} into ${moved} (with the CA's record of 2 signing certificate(s))`
		);
		expect(readdirSync(keysDir)).not.toContain('ca.key.pem');
		expect(readFileSync(join(moved, 'ca.key.pem')).equals(readFileSync(join(caDir, 'ca.key.pem')))).toBe(true);
		// The revocation recorded in keys.json is carried into the moved CA's CRL.
		expect(verifyWithCrl(first).out).toContain('certificate revoked');
		expect(verifyWithCrl(second)).toMatchObject({ status: 0 });
	}, 60_000);

	it('lists the keys commands in help', async () => {
		const r = await cli(['help']);
		for (const c of [
			'keys:generate --ca-dir',
			'keys:list',
			'keys:revoke --key',
			'keys:crl --ca-dir',
			'keys:move-ca --to'
		])
			expect(r.stdout).toContain(c);
	}, 60_000);
});
