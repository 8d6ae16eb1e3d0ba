import { build } from 'esbuild';
import { relative, resolve } from 'node:path';
import { expect, it } from 'vitest';

// The files an operator's `npm run cli` loads before any command runs: the static imports from
// src/cli/main.ts, followed through the project's own files (esbuild resolves them as tsx would).
async function staticGraph(entry: string): Promise<{ files: string[]; dynamic: string[] }> {
	const { metafile } = await build({
		entryPoints: [entry],
		bundle: true,
		write: false,
		metafile: true,
		platform: 'node',
		format: 'esm',
		packages: 'external',
		logLevel: 'silent'
	});
	const inputs = metafile.inputs;
	const seen = new Set<string>();
	const dynamic = new Set<string>();
	const walk = (file: string) => {
		if (seen.has(file) || !inputs[file]) return;
		seen.add(file);
		for (const i of inputs[file].imports) {
			if (i.kind === 'dynamic-import') dynamic.add(i.path);
			else if (i.kind === 'import-statement') walk(i.path);
		}
	};
	walk(relative(process.cwd(), resolve(entry)));
	return { files: [...seen], dynamic: [...dynamic] };
}

it('keeps the demo data out of the operator CLI: demo:load imports it only when it runs', async () => {
	const { files, dynamic } = await staticGraph('src/cli/main.ts');
	expect(files).toContain('src/cli/main.ts');
	expect(files.some((f) => f.startsWith('src/lib/server/'))).toBe(true);
	expect(files.filter((f) => f.startsWith('db/demo/') || f.includes('/testing/'))).toEqual([]);
	expect(dynamic).toContain('db/demo/load.ts');
});
