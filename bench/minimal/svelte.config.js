// The minimal app `npm run bench` measures John School's pages against (scripts/bench-pages.mjs):
// the same SvelteKit, Svelte, Vite, adapter-node, Kysely and better-sqlite3 as the app, resolved from
// the project's node_modules, and nothing else.
import adapter from '@sveltejs/adapter-node';

export default { kit: { adapter: adapter() } };
