/** Writing key files: owner-only, never half-written (a server may read ca.crl while the CLI replaces it). */
import { closeSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export function writeFileAtomic(path: string, data: string | Buffer): void {
	const tmp = `${path}.${process.pid}.tmp`;
	const fd = openSync(tmp, 'w', 0o600);
	try {
		writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
		fsyncSync(fd);
	} finally {
		closeSync(fd);
	}
	renameSync(tmp, path);
	syncDir(dirname(path));
}

/**
 * Overwrite a secret file with zeros before unlinking it. On a journalling or copy-on-write file
 * system (or an SSD) the old blocks may survive: the operator is told to treat the old disk as
 * having held the key.
 */
export function removeSecret(path: string): void {
	const size = statSync(path).size;
	const fd = openSync(path, 'r+');
	try {
		writeSync(fd, Buffer.alloc(size), 0, size, 0);
		fsyncSync(fd);
	} finally {
		closeSync(fd);
	}
	unlinkSync(path);
	syncDir(dirname(path));
}

function syncDir(dir: string): void {
	const fd = openSync(dir, 'r');
	try {
		fsyncSync(fd);
	} finally {
		closeSync(fd);
	}
}
