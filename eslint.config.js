import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

export default defineConfig(
	{
		ignores: [
			'build/',
			'.svelte-kit/',
			'bench/minimal/build/',
			'bench/minimal/.svelte-kit/',
			'db/data/',
			'keys/',
			'keys-ca/',
			'test-results/',
			'tests/e2e/screenshots/'
		]
	},
	js.configs.recommended,
	ts.configs.recommended,
	svelte.configs.recommended,
	{ languageOptions: { globals: { ...globals.browser, ...globals.node } } },
	{
		files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
		// No type-aware rules are enabled (svelte-check does the type checking), so the parser needs no
		// TypeScript program: building one per Svelte file made `npm run lint` take minutes under load.
		languageOptions: { parserOptions: { extraFileExtensions: ['.svelte'], parser: ts.parser, svelteConfig } }
	},
	{
		rules: {
			// TypeScript resolves names (svelte-check runs it); this rule only knows plain JavaScript's globals.
			'no-undef': 'off',
			'@typescript-eslint/no-unused-vars': [
				'error',
				{ argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }
			],
			// The app is served from the origin's root (no paths.base in svelte.config.js), so a plain href is
			// already the resolved one; the rule exists for apps mounted under a base path.
			'svelte/no-navigation-without-resolve': 'off',
			// Prettier writes {' '} to keep a space that matters between an expression and a tag.
			'svelte/no-useless-mustaches': 'off'
		}
	},
	{
		// Kysely's own migration pattern: a migration runs against the schema as it was, not today's types.
		files: ['db/migrations/**'],
		rules: { '@typescript-eslint/no-explicit-any': 'off' }
	},
	{
		// Pages and endpoints call services; SQL lives in *.queries.ts (see the README's architecture part).
		files: ['src/routes/**'],
		rules: {
			'no-restricted-imports': [
				'error',
				{
					patterns: [
						{ group: ['kysely', 'kysely/*'], message: 'Routes call services; SQL belongs in a *.queries.ts module.' }
					]
				}
			],
			'no-restricted-syntax': [
				'error',
				{
					selector:
						'CallExpression[callee.property.name=/^(selectFrom|insertInto|updateTable|deleteFrom|transaction|replaceInto|mergeInto)$/]',
					message: 'Routes call services; SQL belongs in a *.queries.ts module.'
				}
			]
		}
	}
);
