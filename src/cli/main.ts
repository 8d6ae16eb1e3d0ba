#!/usr/bin/env node
// The operators' command line: `npm run cli -- <command> [options]`.
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { verifyAuditChain } from '../lib/server/audit/audit';
import { verifyVerificationChain } from '../lib/server/verification/verification-log';
import { setPasswordByOperator } from '../lib/server/auth/password-reset';
import { resetTotp } from '../lib/server/auth/totp';
import { config } from '../lib/server/config';
import { importCurriculum } from '../lib/server/curriculum/curriculum.service';
import { CurriculumError, readCurriculumFolder } from '../lib/server/curriculum/files';
import { isPostgresUrl, openDatabase, sqlitePath, type DbHandle } from '../lib/server/db';
import { backupTo, writeBackup } from '../lib/server/db/backup';
import { restoreSqlite } from '../lib/server/db/restore';
import { migrateToLatest } from '../lib/server/db/migrate';
import { ROLES, type Role } from '../lib/server/db/schema';
import { passwordMessages } from '../lib/domain/password-policy';
import { cleanLine, lineProblem, lineProblemMessage } from '../lib/domain/text';
import { purgeCandidates, purgeEnrollment } from '../lib/server/privacy/retention';
import { findUserByEmail } from '../lib/server/users/users.queries';
import { createStaffUser, disableUser } from '../lib/server/users/users.service';
import { KEYS_HELP, keysCommands } from './keys';

class UsageError extends Error {}

const HELP = `John School operator commands (npm run cli -- <command>)

  help                          this text
  db:migrate                    bring the database schema up to date
  demo:load                     load the demo program, accounts and participants (once)
  user:create --email <e> --name <n> --role <role>[,<role>] [--title <job title>] [--court <court>] [--program <slug>]
                                create a staff account; the password is read from standard input;
                                the title is printed with the name on certificates he signs off
                                roles: ${ROLES.join(', ')}
  user:disable --email <e>      disable an account and end its sessions at once
  user:reset-2fa --email <e>    turn off an account's two-factor sign-in (lost phone) and end its sessions
  user:reset-password --email <e>
                                set a new password (read from standard input) and end the account's sessions
  curriculum:import <folder>    import a curriculum folder as a new published version
${KEYS_HELP}
  db:backup [<file>]            copy the SQLite database to <file> (or a dated file in BACKUP_DIR)
                                while it is in use
  db:restore --from <file> --yes [--force]
                                put a backup in place of the SQLite database; the server must be
                                stopped (refused if it is running); the current file is kept aside
  audit:verify                  check the hash chains of the audit log and the verification log end
                                to end; names the first broken entry or row
  data:purge [--dry-run] [--within <days>]
                                remove the personal data of enrollments past their program's retention
                                period (the server also does this daily); --dry-run only lists them,
                                --within also lists those due in the next <days> days

The database is DATABASE_URL (a postgres:// URL) or, by default, ${'db/data/john-school.sqlite'}.`;

async function withDb<T>(fn: (h: DbHandle) => Promise<T>): Promise<T> {
	const h = openDatabase(config.databaseUrl);
	try {
		await migrateToLatest(h.db);
		return await fn(h);
	} finally {
		await h.close();
	}
}

async function readStdin(): Promise<string> {
	if (process.stdin.isTTY) process.stderr.write('Password (then Enter, then Ctrl-D): ');
	const chunks: Buffer[] = [];
	for await (const c of process.stdin) chunks.push(c as Buffer);
	return Buffer.concat(chunks)
		.toString('utf8')
		.replace(/\r?\n$/, '');
}

const commands: Record<string, (args: string[]) => Promise<void>> = {
	async help() {
		console.log(HELP);
	},

	async 'db:migrate'() {
		await withDb(async (h) => {
			const { applied } = await migrateToLatest(h.db);
			console.log(
				applied.length
					? `Applied ${applied.length} migration(s) to ${h.location}: ${applied.join(', ')}`
					: `${h.location} is up to date.`
			);
		});
	},

	async 'demo:load'() {
		// Loaded on demand: the demo data and its course walk-through are no part of an operator's CLI.
		const { loadDemo } = await import('../../db/demo/load');
		await withDb(async (h) => {
			const s = await loadDemo(h.db, {
				curriculumDir: resolve('curriculum/ramsey'),
				keysDir: config.keysDir,
				origin: config.publicOrigin ?? 'http://127.0.0.1:3000',
				log: (line) => console.log(`  ${line}`)
			});
			console.log(
				s.alreadyLoaded
					? `The demo program is already loaded in ${h.location}.`
					: `Loaded the demo program into ${h.location}.`
			);
			console.log('\nDemo accounts:');
			for (const a of s.accounts)
				console.log(`  ${a.role.padEnd(12)} ${a.email.padEnd(36)} ${a.password.padEnd(32)} ${a.note}`);
			if (s.pendingCode) {
				console.log(`\nA referral waiting for activation (try it at /activate):`);
				console.log(
					`  code ${s.pendingCode.code}   date of birth ${s.pendingCode.dateOfBirth}   case number ${s.pendingCode.caseNumber}`
				);
			}
		});
	},

	async 'user:create'(args) {
		const { values } = parseArgs({
			args,
			options: {
				email: { type: 'string' },
				name: { type: 'string' },
				title: { type: 'string' },
				role: { type: 'string' },
				court: { type: 'string' },
				program: { type: 'string' }
			}
		});
		if (!values.email || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(values.email))
			throw new UsageError('--email <address> is required and must be an e-mail address');
		if (!values.name?.trim()) throw new UsageError('--name <full name> is required');
		// The name and title are printed and signed on certificates: one line, no control characters.
		for (const [flag, text, max] of [
			['--name', values.name, 120],
			['--title', values.title, 120]
		] as const) {
			if (text === undefined) continue;
			const problem = lineProblem(text);
			if (problem) throw new UsageError(lineProblemMessage(flag, problem));
			if (cleanLine(text).length > max) throw new UsageError(`${flag} must be at most ${max} characters`);
		}
		if (values.title !== undefined && !values.title.trim())
			throw new UsageError('--title, when given, must not be empty');
		const roles = (values.role ?? '')
			.split(',')
			.map((r) => r.trim())
			.filter(Boolean) as Role[];
		const bad = roles.filter((r) => !ROLES.includes(r));
		if (roles.length === 0 || bad.length)
			throw new UsageError(
				`--role must be one or more of ${ROLES.join(', ')} (comma-separated)${bad.length ? `; not a role: ${bad.join(', ')}` : ''}`
			);
		if (roles.includes('participant'))
			throw new UsageError('participants activate their own accounts from a court referral; create a referral instead');
		const password = await readStdin();
		await withDb(async (h) => {
			const programs = await h.db.selectFrom('programs').select(['id', 'slug']).execute();
			let programIds: string[] = [];
			if (roles.some((r) => r === 'facilitator' || r === 'admin')) {
				const p = values.program
					? programs.find((x) => x.slug === values.program)
					: programs.length === 1
						? programs[0]
						: undefined;
				if (!p)
					throw new UsageError(
						values.program
							? `no program with slug "${values.program}"`
							: '--program <slug> is required when there is not exactly one program'
					);
				programIds = [p.id];
			}
			let courtIds: string[] = [];
			if (roles.includes('court')) {
				if (!values.court) throw new UsageError('--court <court name or id> is required for the court role');
				const court = await h.db
					.selectFrom('courts')
					.select(['id', 'name'])
					.where((eb) => eb.or([eb('id', '=', values.court!), eb('name', '=', values.court!)]))
					.executeTakeFirst();
				if (!court) throw new UsageError(`no court named "${values.court}"`);
				courtIds = [court.id];
			}
			const r = await createStaffUser(h.db, null, {
				email: values.email!,
				name: values.name!,
				title: values.title ?? null,
				password,
				roles,
				programIds,
				courtIds
			});
			if (!r.ok) {
				if (r.reason === 'weak_password') throw new UsageError(`password refused: ${passwordMessages[r.problem]}`);
				throw new UsageError(
					{
						email_taken: 'that e-mail address already has an account',
						bad_role: 'bad role',
						court_required: 'the court role needs --court',
						program_required: 'this role needs a program'
					}[r.reason]
				);
			}
			console.log(`Created ${roles.join(', ')} account ${values.email} (id ${r.id}).`);
		});
	},

	async 'user:disable'(args) {
		const { values } = parseArgs({ args, options: { email: { type: 'string' } } });
		if (!values.email) throw new UsageError('--email <address> is required');
		await withDb(async (h) => {
			const user = await findUserByEmail(h.db, values.email!);
			if (!user) throw new UsageError(`no account with e-mail ${values.email}`);
			if (user.disabled_at) {
				console.log(`${values.email} was already disabled (${user.disabled_at}).`);
				return;
			}
			await disableUser(h.db, null, user.id);
			console.log(`Disabled ${values.email} and ended its sessions.`);
		});
	},

	async 'user:reset-2fa'(args) {
		const { values } = parseArgs({ args, options: { email: { type: 'string' } } });
		if (!values.email) throw new UsageError('--email <address> is required');
		await withDb(async (h) => {
			const user = await findUserByEmail(h.db, values.email!);
			if (!user) throw new UsageError(`no account with e-mail ${values.email}`);
			if (!(await resetTotp(h.db, null, user.id))) {
				console.log(`${values.email} has no two-factor sign-in; nothing changed.`);
				return;
			}
			console.log(
				`Two-factor sign-in turned off for ${values.email}; its sessions are ended. They can set it up again under Account → Sign-in security.`
			);
		});
	},

	async 'user:reset-password'(args) {
		const { values } = parseArgs({ args, options: { email: { type: 'string' } } });
		if (!values.email) throw new UsageError('--email <address> is required');
		const password = await readStdin();
		await withDb(async (h) => {
			const r = await setPasswordByOperator(h.db, values.email!, password);
			if (!r.ok) {
				if (r.reason === 'not_found') throw new UsageError(`no account with e-mail ${values.email}`);
				throw new UsageError(`password refused: ${passwordMessages[r.problem]}`);
			}
			console.log(`New password set for ${values.email}; its sessions are ended.`);
		});
	},

	async 'curriculum:import'(args) {
		const folder = args[0];
		if (!folder) throw new UsageError('give the curriculum folder: curriculum:import <folder>');
		if (!existsSync(folder)) throw new UsageError(`no such folder: ${folder}`);
		let parsed;
		try {
			parsed = readCurriculumFolder(resolve(folder));
		} catch (e) {
			if (e instanceof CurriculumError) throw new UsageError(`the curriculum is not valid: ${e.message}`);
			throw e;
		}
		await withDb(async (h) => {
			const r = await importCurriculum(h.db, null, parsed);
			if (r.ok)
				console.log(
					`Imported ${parsed.program} version ${parsed.version}: ${r.modules} modules, ${r.questions} questions.`
				);
			else if (r.reason === 'already_imported')
				console.log(
					`Version ${parsed.version} of ${parsed.program} is already imported with the same content; nothing to do.`
				);
			else if (r.reason === 'unknown_program')
				throw new UsageError(`no program with slug "${parsed.program}" (curriculum.yaml)`);
			else
				throw new UsageError(
					`version ${parsed.version} is already published with different content; published versions are never edited: give the changed curriculum a new version`
				);
		});
	},

	...keysCommands({
		withDb,
		fail: (message) => {
			throw new UsageError(message);
		}
	}),

	async 'db:backup'(args) {
		const file = args[0];
		if (!file && !config.backupDir) throw new UsageError('give the backup file (db:backup <file>) or set BACKUP_DIR');
		if (file && existsSync(file)) throw new UsageError(`${file} already exists; choose a new file name`);
		await withDb(async (h) => {
			if (!h.sqlite) throw new UsageError('db:backup copies the embedded SQLite database; for PostgreSQL use pg_dump');
			// A separate process from the server: copy in one step (see BackupOptions.pagesPerStep).
			const opts = { pagesPerStep: 0x7fffffff };
			if (!file) mkdirSync(resolve(config.backupDir!), { recursive: true, mode: 0o700 });
			const done = file
				? await backupTo(h.sqlite, resolve(file), opts)
				: await writeBackup(h.sqlite, resolve(config.backupDir!), new Date(), opts);
			console.log(`Backed up ${h.location} to ${done.file} (${done.bytes} bytes, integrity_check ok, ${done.ms} ms).`);
		});
	},

	async 'data:purge'(args) {
		const { values } = parseArgs({
			args,
			options: { 'dry-run': { type: 'boolean', default: false }, within: { type: 'string' } }
		});
		const within = values.within === undefined ? 0 : Number(values.within);
		if (!Number.isInteger(within) || within < 0 || within > 3650)
			throw new UsageError('--within takes a whole number of days (0 to 3650)');
		if (within > 0 && !values['dry-run']) throw new UsageError('--within only previews: use it with --dry-run');
		await withDb(async (h) => {
			const now = new Date();
			const due = await purgeCandidates(h.db, now, within);
			// Ids and dates only: an operator's terminal and its scrollback are not the place for names.
			for (const c of due)
				console.log(
					`  enrollment ${c.enrollmentId}: case ended ${c.caseEndedAt.slice(0, 10)}, retention ${c.retentionDays} days, due ${c.dueAt.slice(0, 10)}`
				);
			if (values['dry-run']) {
				console.log(
					`${due.length} enrollment(s) ${within ? `due for removal by ${new Date(now.getTime() + within * 86_400_000).toISOString().slice(0, 10)}` : 'due for removal now'}; nothing was changed (--dry-run).`
				);
				return;
			}
			let purged = 0;
			let certificates = 0;
			for (const c of due) {
				const r = await purgeEnrollment(h.db, c);
				if (r.purged) {
					purged++;
					certificates += r.certificates;
				}
			}
			console.log(
				`Removed the personal data of ${purged} enrollment(s) (${certificates} certificate(s) now verify without it); each removal is in the audit log.`
			);
		});
	},

	async 'db:restore'(args) {
		const { values } = parseArgs({
			args,
			options: { from: { type: 'string' }, yes: { type: 'boolean' }, force: { type: 'boolean' } }
		});
		if (isPostgresUrl(config.databaseUrl))
			throw new UsageError(
				'db:restore puts back an SQLite file; restore PostgreSQL with pg_restore or point-in-time recovery'
			);
		if (!values.from) throw new UsageError('give the backup: db:restore --from <file> --yes');
		const target = sqlitePath(config.databaseUrl);
		if (!values.yes)
			throw new UsageError(
				`db:restore replaces ${target} with ${values.from}. Stop the server first, then run again with --yes`
			);
		const r = await restoreSqlite({ target, from: values.from, now: new Date(), force: values.force });
		if (!r.ok)
			throw new UsageError(
				`${r.detail}${r.reason === 'current_unreadable' ? '; if the server is surely stopped, add --force' : ''}`
			);
		console.log(
			`Checked the backup ${r.from}: integrity_check ok, ${r.migrations} migrations, audit chain intact (${r.auditEntries} entries).`
		);
		for (const note of r.notes) console.log(`Note: ${note}.`);
		console.log(
			r.keptAside
				? `Kept the database that was in place as ${r.keptAside} (not deleted).`
				: `There was no database at ${r.target}.`
		);
		console.log(`Restored ${r.from} to ${r.target}.`);
		console.log(
			r.newestAuditAt
				? `The backup's newest audit entry is from ${r.newestAuditAt}: whatever was done after that is not in the restored database.`
				: 'The backup has no audit entries.'
		);
		if (r.pending.length)
			console.log(
				`The server will apply ${r.pending.length} newer migration(s) when it starts: ${r.pending.join(', ')}.`
			);
		console.log('Start the server again.');
	},

	async 'audit:verify'() {
		await withDb(async (h) => {
			const r = await verifyAuditChain(h.db);
			if (r.ok) console.log(`Audit log intact: ${r.entries} entries, every hash links to the one before.`);
			else {
				console.log(`Audit log BROKEN (${r.entries} entries checked):`);
				for (const p of r.problems) console.log(`  entry ${p.seq}: ${p.problem}`);
				process.exitCode = 1;
			}
			const v = await verifyVerificationChain(h.db);
			if (v.ok) console.log(`Verification log intact: ${v.entries} rows, every hash links to the one before.`);
			else {
				console.log(`Verification log BROKEN (${v.entries} rows checked); first broken row: ${v.problems[0].seq}`);
				for (const p of v.problems) console.log(`  row ${p.seq}: ${p.problem}`);
				process.exitCode = 1;
			}
		});
	}
};

async function main() {
	const [name, ...args] = process.argv.slice(2);
	const command = commands[name ?? 'help'] ?? (name === '--help' || name === '-h' ? commands.help : undefined);
	if (!command) {
		console.error(`Unknown command "${name}".\n\n${HELP}`);
		process.exit(2);
	}
	try {
		await command(args);
	} catch (e) {
		if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
			console.error(`Error: ${(e as Error).message}`);
			process.exit(2);
		}
		throw e;
	}
}

main().catch((e) => {
	console.error(e);
	process.exit(1);
});
