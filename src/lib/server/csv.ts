// CSV files for spreadsheets, every cell formula-safe (OWASP: CSV injection). A spreadsheet runs a cell
// that starts with = + - @ as a formula. Which character splits cells depends on the program and its
// locale: a comma, a semicolon (much of Europe), a tab or a pipe (import wizards); a reader that ignores
// quotes also ends a row at any line break. So every piece of a value that could begin a cell under one
// of those readings is checked: the value's start, and whatever follows , ; tab | CR or LF. When such a
// piece begins, after any spaces or quote marks, with = + - @ or a full-width or small form of them
// (＝ ＋ － ＠, ﹦ ﹢ ﹣ ﹫), an apostrophe goes in front of it: "Dale;=1+1" is written "Dale;'=1+1".
// The apostrophe is the spreadsheets' own mark for "this is text", it is one visible character that a
// reader can tell from the data, and nothing is dropped. (A leading space or tab instead would be trimmed
// by some programs and leave the formula.)
import { stringify } from 'csv-stringify/sync';

const DELIMITERS = new Set([',', ';', '\t', '|', '\r', '\n']);
// A formula sign after any spaces (of any width), other blanks, zero-width characters or quote marks that
// a reader may skip. Tabs and line breaks are not skipped here: each one starts a piece of its own.
const FORMULA_AHEAD =
	/[\p{Zs}\v\f\u0085\u2028\u2029\u200B-\u200D\u2060\uFEFF"]*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20\uFE66\uFE62\uFE63\uFE6B]/uy;

/** The value with every piece that could start a formula, under any delimiter, made text. */
export function csvSafe(value: string | number | null | undefined): string {
	const s = value == null ? '' : String(value);
	let out = '';
	for (let i = 0; i < s.length; i++) {
		FORMULA_AHEAD.lastIndex = i;
		if ((i === 0 || DELIMITERS.has(s[i - 1])) && FORMULA_AHEAD.test(s)) out += "'";
		out += s[i];
	}
	// OWASP's list also names a leading tab or carriage return, which some programs strip before reading.
	return /^[\t\r\n]/.test(out) ? `'${out}` : out;
}

/** A whole file for Excel and the like: BOM, CRLF, quoting by csv-stringify, every cell through csvSafe. */
export function toCsv(
	columns: readonly string[],
	rows: readonly (readonly (string | number | null | undefined)[])[]
): string {
	return stringify(
		rows.map((r) => r.map(csvSafe)),
		// A lone LF or CR would otherwise go out unquoted (the record delimiter is CRLF) and split the row.
		{ header: true, columns: columns.map(csvSafe), bom: true, record_delimiter: 'windows', quoted_match: /[\r\n]/ }
	);
}
