// The live-session forms: one valibot schema each, and the words a person reads when a rule refuses
// what they sent. Routes parse with these and call the service.
import * as v from 'valibot';
import {
	ATTENDANCE,
	PARTICIPATION_GRADES,
	SESSION_KINDS,
	SESSION_MODES,
	MAX_CAPACITY,
	type PlanField,
	type PlanProblem
} from '../../domain/live-sessions';
import type { EditRefusal } from '../../domain/session-changes';
import { f } from '../forms';
import type { MarkProblem } from './sessions.service';

const ID = /^[a-z0-9]{1,64}$/;

/** A form field sent once or repeated (checkboxes, roster rows) as a list. */
export const oneOrMany = <T extends v.GenericSchema<string, string>>(item: T, max = 500) =>
	v.pipe(
		v.union([v.string(), v.array(v.string())]),
		v.transform((x) => (Array.isArray(x) ? x : [x])),
		v.maxLength(max, 'Too many values.'),
		v.array(item)
	);

const localDateTime = (label: string) =>
	v.pipe(
		v.string(`${label} is required.`),
		v.trim(),
		v.nonEmpty(`${label} is required.`),
		// datetime-local sends minutes, or seconds where a browser offers them.
		v.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/, `${label} must be a date and a time.`),
		v.transform((s) => s.slice(0, 16))
	);

export const scheduleSchema = v.object({
	programId: v.pipe(v.string('Choose the program.'), v.regex(ID, 'Choose the program.')),
	title: v.pipe(f.text('Title', 120), v.minLength(3, 'Title must be at least 3 characters.')),
	kind: v.picklist(SESSION_KINDS, 'Choose the kind of session.'),
	mode: v.picklist(SESSION_MODES, 'Choose in person or virtual.'),
	location: f.optionalText('Place', 200),
	url: f.optionalText('Meeting link', 500),
	startsLocal: localDateTime('Start'),
	endsLocal: localDateTime('End'),
	capacity: v.pipe(
		v.string('Capacity is required.'),
		v.trim(),
		v.nonEmpty('Capacity is required.'),
		v.regex(/^\d{1,4}$/, 'Capacity must be a whole number.'),
		v.transform(Number),
		v.minValue(1, 'Capacity must be at least 1.'),
		v.maxValue(MAX_CAPACITY, `Capacity must be at most ${MAX_CAPACITY}.`)
	),
	formToken: v.optional(v.pipe(v.string(), v.regex(ID)))
});

/** The edit form: the schedule form without the program (a session stays in its program) or token. */
export const editSchema = v.omit(scheduleSchema, ['programId', 'formToken']);

const FIELD_NAMES: Record<PlanField, string> = {
	title: 'title',
	kind: 'kind',
	mode: 'format',
	location: 'place',
	url: 'meeting link',
	startsAt: 'start',
	endsAt: 'end',
	capacity: 'capacity'
};

/** Why an edit was refused, in words; `field` is the form field to show it on (`_form`: at the top). */
export function editRefusalMessage(r: EditRefusal): { field: string; message: string } {
	switch (r.problem) {
		case 'cancelled':
			return { field: '_form', message: 'This session was cancelled; it can no longer be changed.' };
		case 'ended':
			return { field: '_form', message: 'This session has ended; it can no longer be changed.' };
		case 'fixed_after_attendance':
			return {
				field: '_form',
				message: `Attendance has been recorded, so the ${FIELD_NAMES[r.field]} can no longer change. The title, place and meeting link still can.`
			};
		case 'capacity_below_registered':
			return {
				field: 'capacity',
				message: `${r.registered === 1 ? '1 person is' : `${r.registered} people are`} on the roster, so the capacity cannot be less than ${r.registered}.`
			};
	}
}

/** The form field of a plan field (the times are typed as local date-times). */
export const planFormField = (f: PlanField) => (f === 'startsAt' ? 'startsLocal' : f === 'endsAt' ? 'endsLocal' : f);

export const walkInSchema = v.object({
	enrollmentId: v.pipe(v.string('Choose who came.'), v.regex(ID, 'Choose who came.'))
});

export const walkInMessages = {
	not_eligible: 'Only a participant of this program with an active enrollment can be added.',
	cancelled: 'This session was cancelled; nobody can be added.',
	too_early: 'Walk-ins can be added from the day of the session.',
	already_on_roster: 'He is already on the roster.'
} as const;

export const planMessages: Record<PlanProblem, string> = {
	title: 'Give the session a title of at least 3 characters.',
	kind: 'Choose the kind of session.',
	mode: 'Choose in person or virtual.',
	place_required: 'An in-person session needs a place: the address and the room.',
	link_required: 'A virtual session needs its meeting link.',
	link_not_https: 'The meeting link must be a full address starting with https://',
	bad_time: 'Enter a real date and time.',
	end_before_start: 'The end must be after the start.',
	too_long: 'A session can last at most 12 hours. Check the end date.',
	already_over: 'This session would already be over. Check the date and the end time.',
	too_far: 'The start is more than a year ahead. Check the year.',
	capacity: `Capacity must be between 1 and ${MAX_CAPACITY}.`
};

/** The roster rows the page sent (hidden `row` fields), then one schema over their fields. */
export const rosterRowsSchema = v.object({ row: oneOrMany(v.pipe(v.string(), v.regex(ID, 'Unknown row.'))) });

export function attendanceSchema(ids: string[]) {
	const entries: Record<string, v.GenericSchema<unknown, unknown>> = {};
	for (const id of ids) {
		entries[`attendance-${id}`] = v.optional(v.picklist(ATTENDANCE, 'Choose present, late, left early or absent.'));
		entries[`grade-${id}`] = v.optional(v.picklist(PARTICIPATION_GRADES, 'Choose strong, adequate, minimal or none.'));
		entries[`note-${id}`] = f.optionalText('Note', 500);
	}
	return v.object(entries);
}

export const markMessages: Record<MarkProblem, { field: 'attendance' | 'grade'; message: string }> = {
	grade_without_attendance: { field: 'attendance', message: 'Choose attendance before a participation grade.' },
	note_without_attendance: { field: 'attendance', message: 'Choose attendance before writing a note.' },
	absent_with_grade: { field: 'grade', message: 'Someone absent cannot have a participation grade other than none.' }
};

export const sessionIdSchema = v.object({
	sessionId: v.pipe(v.string('Choose a session.'), v.regex(ID, 'Choose a session.'))
});
