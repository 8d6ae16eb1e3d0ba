import { sveltekit } from '@sveltejs/kit/vite';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// Tests never read or write the project's own keys folder (the demo's keys live there).
const testKeysDir = process.env.VITEST ? join(mkdtempSync(join(tmpdir(), 'js-test-keys-')), 'keys') : undefined;

export default defineConfig({
	plugins: [sveltekit()],
	test: {
		include: ['src/**/*.test.ts', 'tests/integration/**/*.test.ts'],
		environment: 'node',
		env: testKeysDir ? { KEYS_DIR: testKeysDir } : {},
		testTimeout: 20000,
		hookTimeout: 30000
	}
});
