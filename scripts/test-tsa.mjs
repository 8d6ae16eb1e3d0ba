// A real RFC 3161 time-stamping authority for tests, the e2e runner and the bench, on loopback: an
// HTTP handler that hands each query to `openssl ts -reply` with a TSA key and certificate made here by
// openssl. Its own small PKI, as a public TSA has: a test root CA, an issuing CA under it and the TSA
// certificate under that (extendedKeyUsage critical timeStamping). Each certificate but the root names
// a CRL distribution point on this same server, and the server serves those CRLs, made by
// `openssl ca -gencrl`, so the signer's revocation fetch is a real one. Never canned bytes: every
// answer is openssl's reply to the query that came in. Test-only.
//
//   const tsa = await startTestTsa();   // { url, caFile, caPem, issuingCaPem, tsaPem, crlUrls, dir,
//                                       //   requests, crlRequests, mode, crlMode, revokeTsa(), close() }
//   tsa.mode = 'down' | 'foreign' | 'garbage' | 'ok'   // to test how the signer treats a broken TSA
//   tsa.crlMode = 'down' | 'ok'                        // ... and a CRL server that does not answer
//   tsa.revokeTsa()                     // the TSA certificate revoked (keyCompromise) on a new CRL
//   const tsa = await spawnTestTsa();   // the same in a child process: { url, caFile, dir, close() }
//
// Replies are made one at a time: openssl ts -reply updates its serial-number file on each one.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
	closeSync,
	constants,
	mkdirSync,
	mkdtempSync,
	openSync,
	readFileSync,
	rmSync,
	writeFileSync,
	existsSync
} from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const openssl = (args, cwd) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });

const newKey = (dir, key) =>
	existsSync(join(dir, key)) ||
	openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', key], dir);

/** The CRLs the server serves, by path, and the CA (section of ca.cnf) that signs each. */
const CRLS = { '/crl/root.crl': 'root', '/crl/issuing.crl': 'issuing' };

/**
 * The CA certificates, the TSA certificate and the openssl configurations in `dir`. The keys are kept
 * between runs; the issuing CA's and the TSA's certificates are made again when the server's address
 * (in their CRL distribution points) is not the one they name.
 */
function makeTsaFiles(dir, base) {
	if (!existsSync(join(dir, 'ca.pem'))) {
		newKey(dir, 'ca.key');
		openssl(
			[
				'req',
				'-x509',
				'-key',
				'ca.key',
				'-out',
				'ca.pem',
				'-days',
				'7300',
				'-subj',
				'/O=Test Time-Stamping/CN=Test TSA Root CA',
				'-addext',
				'basicConstraints=critical,CA:TRUE',
				'-addext',
				'keyUsage=critical,keyCertSign,cRLSign'
			],
			dir
		);
	}
	newKey(dir, 'issuing.key');
	newKey(dir, 'tsa.key');
	const baseFile = join(dir, 'crl-base.txt');
	const current =
		existsSync(baseFile) && readFileSync(baseFile, 'utf8') === base && existsSync(join(dir, 'issuing.pem'));
	if (!current) {
		const issue = (key, subject, issuer, issuerKey, days, ext, out) => {
			writeFileSync(join(dir, `${out}.ext`), ext);
			openssl(['req', '-new', '-key', key, '-out', `${out}.csr`, '-subj', subject], dir);
			openssl(
				[
					'x509',
					'-req',
					'-in',
					`${out}.csr`,
					'-CA',
					issuer,
					'-CAkey',
					issuerKey,
					'-set_serial',
					'0x1' + randomBytes(8).toString('hex'),
					'-days',
					String(days),
					'-out',
					`${out}.pem`,
					'-extfile',
					`${out}.ext`
				],
				dir
			);
		};
		issue(
			'issuing.key',
			'/O=Test Time-Stamping/CN=Test TSA Issuing CA',
			'ca.pem',
			'ca.key',
			5000,
			`basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\ncrlDistributionPoints=URI:${base}/crl/root.crl\n`,
			'issuing'
		);
		issue(
			'tsa.key',
			'/O=Test Time-Stamping/CN=Test Time-Stamping Authority',
			'issuing.pem',
			'issuing.key',
			3650,
			`basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=critical,timeStamping\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\ncrlDistributionPoints=URI:${base}/crl/issuing.crl\n`,
			'tsa'
		);
		// New certificates: the CA databases (what each CRL lists as revoked) start empty again.
		for (const ca of Object.values(CRLS)) {
			rmSync(join(dir, `db-${ca}`), { recursive: true, force: true });
			mkdirSync(join(dir, `db-${ca}`));
			writeFileSync(join(dir, `db-${ca}`, 'index.txt'), '');
			writeFileSync(join(dir, `db-${ca}`, 'crlnumber'), '01\n');
		}
		writeFileSync(
			join(dir, 'chain.pem'),
			['tsa.pem', 'issuing.pem', 'ca.pem'].map((f) => readFileSync(join(dir, f), 'utf8')).join('')
		);
		writeFileSync(baseFile, base);
	}
	writeFileSync(
		join(dir, 'ca.cnf'),
		[
			...Object.values(CRLS).flatMap((ca) => [
				`[ ${ca} ]`,
				`dir = ${dir}`,
				`database = $dir/db-${ca}/index.txt`,
				`crlnumber = $dir/db-${ca}/crlnumber`,
				`certificate = $dir/${ca === 'root' ? 'ca' : ca}.pem`,
				`private_key = $dir/${ca === 'root' ? 'ca' : ca}.key`,
				'default_md = sha256',
				'default_crl_days = 7',
				'crl_extensions = crl_ext'
			]),
			'[ crl_ext ]',
			'authorityKeyIdentifier = keyid',
			''
		].join('\n')
	);
	if (!existsSync(join(dir, 'serial'))) writeFileSync(join(dir, 'serial'), '01\n');
	writeFileSync(
		join(dir, 'ts.cnf'),
		[
			'[ tsa ]',
			'default_tsa = test_tsa',
			'[ test_tsa ]',
			`dir = ${dir}`,
			'serial = $dir/serial',
			'crypto_device = builtin',
			'signer_cert = $dir/tsa.pem',
			// The whole chain goes into each token (certReq): a validator needs nothing else.
			'certs = $dir/chain.pem',
			'signer_key = $dir/tsa.key',
			'signer_digest = sha256',
			'default_policy = 1.3.6.1.4.1.99999.1',
			'digests = sha256, sha384, sha512',
			'accuracy = secs:1',
			'ordering = yes',
			'tsa_name = yes',
			'ess_cert_id_chain = no',
			'ess_cert_id_alg = sha256',
			''
		].join('\n')
	);
}

/** A CRL as the CA's database has it now (valid for default_crl_days), DER. */
function makeCrl(dir, ca) {
	openssl(['ca', '-config', 'ca.cnf', '-name', ca, '-gencrl', '-out', `${ca}.crl.pem`], dir);
	return openssl(['crl', '-in', `${ca}.crl.pem`, '-outform', 'DER'], dir);
}

const run = (args, cwd) =>
	new Promise((resolve, reject) =>
		execFile('openssl', args, { cwd, encoding: 'buffer' }, (e, stdout, stderr) =>
			e ? reject(new Error(String(stderr))) : resolve(stdout)
		)
	);

/**
 * Starts the TSA on 127.0.0.1 (a free port unless `port` is given). `dir` keeps its key and
 * certificate between runs (the bench reuses one); by default a fresh temporary folder.
 */
export async function startTestTsa({ dir, port = 0 } = {}) {
	const own = !dir;
	dir ??= mkdtempSync(join(tmpdir(), 'js-test-tsa-'));
	let queue = Promise.resolve();
	let n = 0;
	const state = { mode: 'ok', requests: 0, crlMode: 'ok', crlRequests: 0 };
	/** DER by path, made once the server's address (which the certificates name) is known */
	const crls = new Map();

	// One openssl ts -reply is started ahead and waits for its query, so a request does not pay for
	// starting a process (most of a reply's time on these machines). The query goes through a named
	// pipe: openssl reads -queryfile with fopen, which fails on /dev/stdin when stdin is node's socket.
	// The pipe is opened for writing at once: that open returns when openssl has opened it to read, so
	// the standby is known to be up, and openssl then loads its configuration, key and certificates
	// before the query comes rather than after; the query only has its answer to wait for.
	// Replies still go one at a time (the queue below), so the serial file sees one writer.
	const standby = async () => {
		const id = `${process.pid}-${++n}`;
		const q = join(dir, `q-${id}.fifo`);
		const r = join(dir, `r-${id}.tsr`);
		await new Promise((resolve, reject) => execFile('mkfifo', [q], (e) => (e ? reject(e) : resolve())));
		const child = spawn('openssl', ['ts', '-reply', '-config', 'ts.cnf', '-queryfile', q, '-out', r], {
			cwd: dir,
			stdio: ['ignore', 'ignore', 'pipe']
		});
		const err = [];
		child.stderr.on('data', (c) => err.push(c));
		const exited = new Promise((resolve, reject) => {
			child.once('error', reject);
			child.once('close', (code) =>
				code === 0 ? resolve() : reject(new Error(`openssl ts -reply exited ${code}: ${Buffer.concat(err)}`))
			);
		});
		exited.catch(() => {});
		const writer = open(q, 'w');
		writer.catch(() => {});
		// An openssl that ends before it opens the pipe would leave that open waiting for ever: a reader
		// of our own (opened without waiting, kept until the open has returned) lets it return.
		const release = () => {
			let fd;
			try {
				fd = openSync(q, constants.O_RDONLY | constants.O_NONBLOCK);
			} catch {
				return; // the pipe is gone: nothing waits on it
			}
			writer.finally(() => closeSync(fd)).catch(() => {});
		};
		exited.then(release, release);
		const answer = async (query) => {
			try {
				const fh = await writer;
				try {
					await fh.write(query);
				} catch (e) {
					await exited; // openssl's own error, if it ended
					throw e;
				} finally {
					await fh.close();
				}
				await exited;
				return await readFile(r);
			} finally {
				for (const f of [q, r]) rmSync(f, { force: true });
			}
		};
		const cancel = async () => {
			child.kill();
			release();
			await writer.then(
				(fh) => fh.close(),
				() => {}
			);
			await exited.catch(() => {});
			for (const f of [q, r]) rmSync(f, { force: true });
		};
		return { answer, cancel };
	};
	async function reply(query) {
		let q = query;
		if (state.mode === 'foreign') {
			// A genuine reply from this TSA, but to another query: other imprint, other nonce.
			const id = `${process.pid}-${++n}`;
			const other = join(dir, `other-${id}`);
			try {
				writeFileSync(other, `other ${id}`);
				q = await run(['ts', '-query', '-data', other, '-sha256', '-cert'], dir);
			} finally {
				rmSync(other, { force: true });
			}
		}
		const p = await (next ?? standby());
		next = null;
		try {
			return await p.answer(q);
		} finally {
			// The next one starts as soon as this answer is on its way, so that it is up (its pipe open,
			// its key loaded) when the next query comes: an issuing loop asks again within ~30 ms, which
			// is about what starting openssl takes on a busy two-core machine. A request that comes
			// sooner still starts its own (above).
			if (!closed) setImmediate(() => (next ??= closed ? null : standby()));
		}
	}
	let next = null;
	let closed = false;

	const server = createServer((req, res) => {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			const path = new URL(req.url ?? '/', 'http://x').pathname;
			if (req.method === 'GET' && path in CRLS) {
				state.crlRequests++;
				if (state.crlMode === 'down') {
					res.writeHead(503, { 'content-type': 'text/plain' }).end('CRL server down for the test');
					return;
				}
				const der = crls.get(path);
				res.writeHead(200, { 'content-type': 'application/pkix-crl', 'content-length': der.length }).end(der);
				return;
			}
			state.requests++;
			if (req.method !== 'POST' || req.headers['content-type'] !== 'application/timestamp-query') {
				res.writeHead(400, { 'content-type': 'text/plain' }).end('POST an application/timestamp-query');
				return;
			}
			if (state.mode === 'down') {
				res.writeHead(503, { 'content-type': 'text/plain' }).end('down for the test');
				return;
			}
			if (state.mode === 'garbage') {
				res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(Buffer.from('this is not DER'));
				return;
			}
			const job = queue.then(() => reply(Buffer.concat(chunks)));
			queue = job.catch(() => {});
			job.then(
				(der) =>
					res.writeHead(200, { 'content-type': 'application/timestamp-reply', 'content-length': der.length }).end(der),
				(e) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e.message))
			);
		});
	});
	await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
	const base = `http://127.0.0.1:${server.address().port}`;
	try {
		makeTsaFiles(dir, base);
		for (const [path, ca] of Object.entries(CRLS)) crls.set(path, makeCrl(dir, ca));
	} catch (e) {
		server.close();
		throw e;
	}
	next = standby();
	return {
		url: `${base}/tsa`,
		dir,
		caFile: join(dir, 'ca.pem'),
		caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'),
		issuingCaPem: readFileSync(join(dir, 'issuing.pem'), 'utf8'),
		tsaPem: readFileSync(join(dir, 'tsa.pem'), 'utf8'),
		crlUrls: Object.keys(CRLS).map((p) => base + p),
		get mode() {
			return state.mode;
		},
		set mode(m) {
			state.mode = m;
		},
		get crlMode() {
			return state.crlMode;
		},
		set crlMode(m) {
			state.crlMode = m;
		},
		get requests() {
			return state.requests;
		},
		get crlRequests() {
			return state.crlRequests;
		},
		/** Revokes the TSA certificate on its issuing CA and serves the new CRL that lists it. */
		revokeTsa() {
			openssl(
				['ca', '-config', 'ca.cnf', '-name', 'issuing', '-revoke', 'tsa.pem', '-crl_reason', 'keyCompromise'],
				dir
			);
			crls.set('/crl/issuing.crl', makeCrl(dir, 'issuing'));
		},
		close: async () => {
			closed = true;
			const waiting = next;
			next = null;
			// The standby's pipe and process gone before the folder is.
			await waiting?.then(
				(p) => p.cancel(),
				() => {}
			);
			server.closeAllConnections?.();
			await new Promise((resolve) => server.close(resolve));
			if (own) rmSync(dir, { recursive: true, force: true });
		}
	};
}

/**
 * The same TSA in a process of its own, for callers that block their own event loop while the server
 * they start asks it for time-stamps (the e2e runner waits in spawnSync). Resolves once it listens.
 */
export function spawnTestTsa({ dir } = {}) {
	const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--json', ...(dir ? ['--dir', dir] : [])], {
		stdio: ['ignore', 'pipe', 'inherit']
	});
	return new Promise((resolve, reject) => {
		let out = '';
		child.once('exit', (code) => reject(new Error(`the test TSA exited (${code}) before it listened`)));
		child.stdout.on('data', (d) => {
			out += d;
			const line = out.split('\n').find((l) => l.startsWith('{'));
			if (!line) return;
			child.removeAllListeners('exit');
			const info = JSON.parse(line);
			const exited = new Promise((r) => child.once('exit', r));
			resolve({
				...info,
				close: () => (child.exitCode === null ? (child.kill('SIGTERM'), exited) : Promise.resolve())
			});
		});
	});
}

// `node scripts/test-tsa.mjs [--port N] [--dir D] [--json]`: run one by hand, e.g. for
// `TSA_URL=… TSA_CA_FILE=… npm run demo`.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
	const arg = (name) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
	const tsa = await startTestTsa({ port: Number(arg('--port') ?? 0), dir: arg('--dir') });
	if (process.argv.includes('--json')) console.log(JSON.stringify({ url: tsa.url, caFile: tsa.caFile, dir: tsa.dir }));
	else console.log(`test TSA (openssl ts -reply) at ${tsa.url}\n  TSA_URL=${tsa.url} TSA_CA_FILE=${tsa.caFile}`);
	for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => tsa.close().then(() => process.exit(0)));
	// Started by spawnTestTsa: go when the process that started it is gone, however it ended.
	if (process.argv.includes('--json')) {
		const parent = process.ppid;
		setInterval(() => process.ppid !== parent && tsa.close().then(() => process.exit(0)), 1000).unref();
	}
}
