// Keyboard walks (qwertyuiop, 1q2w3e4r, zaq12wsx, 147258): runs of neighbouring keys. Priced like
// zxcvbn's spatial matcher: the start key, the length, and the directions taken, counted either as
// one direction per straight stretch or as a short pattern of directions that keeps repeating (the
// zig-zag of 1q2w3e4r). A US keyboard: the one most lists of walked passwords come from.

type Key = { row: number; x: number };
interface Layout {
	keys: Map<string, Key>;
	keyCount: number;
	directionCount: number;
	direction(a: Key, b: Key): string | null;
}

// Each row with its shifted characters; a row sits half a key to the right of the one above.
const QWERTY_ROWS: [string, string, number][] = [
	['`1234567890-=', '~!@#$%^&*()_+', 0],
	['qwertyuiop[]\\', 'QWERTYUIOP{}|', 1.5],
	["asdfghjkl;'", 'ASDFGHJKL:"', 2],
	['zxcvbnm,./', 'ZXCVBNM<>?', 2.5]
];
const KEYPAD_ROWS: [string, string, number][] = [
	['789', '789', 0],
	['456', '456', 0],
	['123', '123', 0],
	['0', '0', 0]
];

function layout(rows: [string, string, number][], direction: Layout['direction'], directionCount: number): Layout {
	const keys = new Map<string, Key>();
	rows.forEach(([plain, shifted, offset], row) => {
		[...plain].forEach((c, i) => {
			const key = { row, x: i + offset };
			keys.set(c, key);
			keys.set(shifted[i].toLowerCase(), key);
		});
	});
	return { keys, keyCount: rows.reduce((n, [plain]) => n + plain.length, 0), directionCount, direction };
}

const LAYOUTS = [
	layout(
		QWERTY_ROWS,
		(a, b) => {
			const dr = b.row - a.row;
			const dx = b.x - a.x;
			return (dr === 0 && Math.abs(dx) === 1) || (Math.abs(dr) === 1 && Math.abs(dx) === 0.5) ? `${dr},${dx}` : null;
		},
		6
	),
	layout(
		KEYPAD_ROWS,
		(a, b) => {
			const dr = b.row - a.row;
			const dx = b.x - a.x;
			return Math.abs(dr) <= 1 && Math.abs(dx) <= 1 && (dr !== 0 || dx !== 0) ? `${dr},${dx}` : null;
		},
		8
	)
];

/** Offers every walk of three or more keys that starts at i (characters already lower case). */
export function keyboardWalks(chars: string[], i: number, offer: (end: number, bits: number) => void): void {
	for (const l of LAYOUTS) {
		let prev = l.keys.get(chars[i]);
		if (!prev) continue;
		const perDirection = Math.log2(l.directionCount);
		const directions: string[] = [];
		// KMP's prefix function over the directions, kept as the walk grows: its smallest period.
		const border: number[] = [];
		let turns = 0;
		for (let j = i + 1; j < chars.length; j++) {
			const key = l.keys.get(chars[j]);
			const d = key && l.direction(prev, key);
			if (!key || !d) break;
			const at = directions.push(d) - 1;
			if (at > 0 && d !== directions[at - 1]) turns++;
			let b = at > 0 ? border[at - 1] : 0;
			while (b > 0 && directions[b] !== d) b = border[b - 1];
			border.push(at > 0 && directions[b] === d ? b + 1 : 0);
			prev = key;
			if (directions.length < 2) continue;
			const byStretches = (turns + 1) * perDirection + log2Choose(directions.length - 1, turns);
			const byPattern = (directions.length - border[at]) * perDirection;
			offer(j + 1, Math.log2(l.keyCount) + Math.log2(directions.length + 1) + Math.min(byStretches, byPattern));
		}
	}
}

function log2Choose(n: number, k: number): number {
	let bits = 0;
	for (let i = 0; i < Math.min(k, n - k); i++) bits += Math.log2(n - i) - Math.log2(i + 1);
	return bits;
}
