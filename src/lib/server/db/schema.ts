// Row types as stored. Portable rules (SQLite and PostgreSQL): timestamps are ISO-8601 UTC text
// written by the app, booleans are 0/1 integers, JSON is text; mappers at the edges convert.

export type Role = 'participant' | 'facilitator' | 'court' | 'admin';
export const ROLES: readonly Role[] = ['participant', 'facilitator', 'court', 'admin'];

export interface ProgramsTable {
	id: string;
	slug: string;
	name: string;
	provider: string;
	serial_prefix: string;
	settings_json: string;
	created_at: string;
}
export interface CourtsTable {
	id: string;
	program_id: string;
	name: string;
	county: string;
	created_at: string;
}
export interface UsersTable {
	id: string;
	email: string;
	name: string;
	password_hash: string;
	totp_key: string | null;
	totp_last_step: number | null;
	totp_pending_key: string | null;
	totp_pending_at: string | null;
	/** Staff job title, printed with the name where he signs a certificate (migration 0018). */
	title: string | null;
	disabled_at: string | null;
	created_at: string;
}
export interface UserRolesTable {
	user_id: string;
	role: Role;
}
export interface UserProgramsTable {
	user_id: string;
	program_id: string;
}
export interface UserCourtsTable {
	user_id: string;
	court_id: string;
}
export interface SessionsTable {
	id: string;
	secret_hash: string;
	user_id: string;
	created_at: string;
	last_seen_at: string;
	two_factor_verified: number;
	two_factor_pending: number;
	device: string | null;
}
export interface KnownDevicesTable {
	id: string;
	user_id: string;
	secret_hash: string;
	created_at: string;
	last_used_at: string;
}
export interface RateLimitsTable {
	key: string;
	failures: number;
	window_started_at: string;
	blocked_until: string | null;
	updated_at: string;
}
export interface AuditLogTable {
	seq: number;
	at: string;
	actor_id: string | null;
	action: string;
	target_type: string | null;
	target_id: string | null;
	outcome: string;
	ip: string | null;
	details_json: string;
	prev_hash: string;
	hash: string;
}
export interface AuditHeadTable {
	id: number;
	seq: number;
	hash: string;
}
export interface CurriculumVersionsTable {
	id: string;
	program_id: string;
	version: string;
	title: string;
	content_hash: string;
	status: 'published' | 'retired';
	published_at: string;
	created_at: string;
}
export interface ModulesTable {
	id: string;
	curriculum_version_id: string;
	position: number;
	slug: string;
	title: string;
	summary: string;
	objectives_json: string;
	body_md: string;
	body_html: string;
	min_seat_seconds: number;
}
export interface QuizzesTable {
	id: string;
	module_id: string;
	pass_mark: number | null;
	max_attempts: number | null;
}
export type QuestionKind = 'single' | 'multiple' | 'true_false';
export interface QuizQuestionsTable {
	id: string;
	quiz_id: string;
	position: number;
	kind: QuestionKind;
	prompt: string;
	explanation: string;
}
export interface QuizOptionsTable {
	id: string;
	question_id: string;
	position: number;
	label: string;
	is_correct: number;
	explanation: string | null;
}
export interface ReflectionPromptsTable {
	id: string;
	module_id: string;
	position: number;
	prompt: string;
	min_length: number;
	rubric_json: string;
}
export type EnrollmentStatus = 'referred' | 'active' | 'completed' | 'withdrawn';
export type FeeStatus = 'unpaid' | 'paid' | 'waived';
export interface EnrollmentsTable {
	id: string;
	program_id: string;
	court_id: string;
	user_id: string | null;
	curriculum_version_id: string | null;
	legal_name: string;
	date_of_birth: string;
	case_number: string;
	offence: string | null;
	referral_date: string;
	due_date: string;
	email: string | null;
	phone: string | null;
	status: EnrollmentStatus;
	code_hash: string;
	code_expires_at: string;
	code_used_at: string | null;
	notice_version: string | null;
	notice_acknowledged_at: string | null;
	activated_at: string | null;
	seat_last_beat_at: string | null;
	fee_status: FeeStatus;
	fee_recorded_by: string | null;
	fee_recorded_at: string | null;
	attestation_name: string | null;
	attested_at: string | null;
	completed_at: string | null;
	purged_at: string | null;
	/** The court's next hearing in the case (YYYY-MM-DD), recorded by court staff. */
	next_hearing_date: string | null;
	/** The participant's number in his program, e.g. RC-P-000123, given at referral (migration 0018). */
	registration_number: string;
	/** YYYY-MM-DD of the offence, where the court gives it. */
	offence_date: string | null;
	/** The exact attestation he signed (set with attested_at). */
	attestation_text: string | null;
	/** Position of the last module he may study, as last computed (src/lib/server/learning/unlocks.ts); null: not yet. */
	unlocked_through: number | null;
	/** What unlocked_through was computed against: his curriculum version and program settings. */
	unlocked_stamp: string | null;
	created_by: string;
	created_at: string;
}
export interface CaseNotesTable {
	id: string;
	enrollment_id: string;
	author_id: string;
	body: string;
	created_at: string;
}
export interface DueDateExtensionsTable {
	id: string;
	enrollment_id: string;
	previous_due_date: string;
	new_due_date: string;
	order_reference: string;
	recorded_by: string;
	created_at: string;
}
export interface ModuleProgressTable {
	enrollment_id: string;
	module_id: string;
	seat_seconds: number;
	started_at: string;
	last_activity_at: string;
	completed_at: string | null;
}
export interface QuizAttemptsTable {
	id: string;
	enrollment_id: string;
	quiz_id: string;
	attempt_no: number;
	layout_json: string;
	started_at: string;
	submitted_at: string | null;
	answers_json: string | null;
	score: number | null;
	passed: number | null;
	/** JSON array of the question ids the submit scored correct; null before migration 0023 or after a purge. */
	results_json: string | null;
}
export interface QuizUnlocksTable {
	id: string;
	enrollment_id: string;
	quiz_id: string;
	extra_attempts: number;
	reason: string;
	unlocked_by: string;
	created_at: string;
}
export interface ReflectionDraftsTable {
	enrollment_id: string;
	prompt_id: string;
	body: string;
	updated_at: string;
}
export type SubmissionStatus = 'submitted' | 'satisfactory' | 'needs_revision';
export interface ReflectionSubmissionsTable {
	id: string;
	enrollment_id: string;
	prompt_id: string;
	version: number;
	body: string;
	status: SubmissionStatus;
	submitted_at: string;
}
export interface ReflectionGradesTable {
	id: string;
	submission_id: string;
	grader_id: string;
	outcome: 'satisfactory' | 'needs_revision';
	rubric_json: string;
	feedback: string;
	graded_at: string;
}
export interface LiveSessionsTable {
	id: string;
	program_id: string;
	title: string;
	kind: string;
	mode: 'in_person' | 'virtual';
	location: string | null;
	url: string | null;
	starts_at: string;
	ends_at: string;
	capacity: number;
	created_by: string;
	created_at: string;
	cancelled_at: string | null;
	/** One-time token of the schedule form that created it (double-submit guard); null for older rows. */
	form_token: string | null;
	/** When the start or end last changed (participants registered before it see a notice). */
	time_changed_at: string | null;
	/** When the place, the meeting link or the format last changed. */
	place_changed_at: string | null;
}
export interface SessionRegistrationsTable {
	session_id: string;
	enrollment_id: string;
	registered_at: string;
	cancelled_at: string | null;
	attendance: 'present' | 'late' | 'left_early' | 'absent' | null;
	participation_grade: string | null;
	participation_note: string | null;
	marked_by: string | null;
	marked_at: string | null;
	/** The staff member who added him at the door without a registration of his own; null otherwise. */
	walk_in_by: string | null;
}
export interface SignoffsTable {
	enrollment_id: string;
	facilitator_id: string;
	checklist_json: string;
	signed_at: string;
	serial: string;
}
export interface SigningKeysTable {
	id: string;
	kind: 'ed25519' | 'pdf';
	public_pem: string;
	created_at: string;
	registered_at: string;
	retired_at: string | null;
	compromised_from: string | null;
	revoked_at: string | null;
	revocation_reason: string | null;
	cert_serial: string | null;
	not_after: string | null;
}
export interface RegistrationCountersTable {
	program_id: string;
	last_value: number;
}
export interface SerialCountersTable {
	program_id: string;
	year: number;
	last_value: number;
}
export type CertificateStatus = 'valid' | 'revoked' | 'superseded';
export interface CertificatesTable {
	id: string;
	serial: string;
	enrollment_id: string;
	program_id: string;
	court_id: string;
	code_hash: string;
	facts_json: string;
	ed25519_signature: string;
	ed25519_key_id: string;
	pdf_key_id: string;
	sha256: string;
	status: CertificateStatus;
	issued_at: string;
	issued_by: string;
	revoked_at: string | null;
	revoked_by: string | null;
	revoke_reason: string | null;
	superseded_by: string | null;
	/** the TSA's genTime in the PDF signature's RFC 3161 time-stamp; null: signed without one */
	timestamped_at: string | null;
}
export type CorrectionOutcome = 'pending' | 'issued' | 'abandoned';
export interface CertificateCorrectionsTable {
	id: string;
	certificate_id: string;
	enrollment_id: string;
	/** allocated at the claim: the new certificate's serial once issued, a void serial otherwise */
	serial: string;
	reason: string;
	/** JSON: [{ field, old, new }] (blanked by the retention purge) */
	changes_json: string;
	created_by: string;
	started_at: string;
	finished_at: string | null;
	outcome: CorrectionOutcome;
	abandoned_because: string | null;
}
export interface CertificateFilesTable {
	certificate_id: string;
	pdf: Uint8Array;
}
export interface VerificationLogTable {
	id: string;
	at: string;
	method: 'link' | 'typed' | 'upload' | 'api';
	serial: string | null;
	certificate_id: string | null;
	outcome: string;
	user_id: string | null;
	/** The chain (migration 0021): position, the previous row's hash, this row's hash. */
	seq: number;
	prev_hash: string;
	hash: string;
}

export interface VerificationLogHeadTable {
	id: number;
	seq: number;
	hash: string;
}

export interface PacketCountersTable {
	program_id: string;
	year: number;
	last_value: number;
}

export interface EvidencePacketsTable {
	id: string;
	number: string;
	sha256: string;
	program_id: string;
	court_id: string;
	enrollment_id: string;
	made_at: string;
	made_by: string;
	made_as: 'court' | 'facilitator' | 'admin';
	pdf_key_id: string;
}

export interface CorrectionRequestsTable {
	id: string;
	enrollment_id: string;
	body: string;
	created_at: string;
	decision: 'corrected' | 'declined' | null;
	response: string | null;
	decided_by: string | null;
	decided_at: string | null;
}
export interface PasswordResetsTable {
	id: string;
	user_id: string;
	code_hash: string;
	created_by: string;
	created_at: string;
	expires_at: string;
	used_at: string | null;
}
export interface SafetyFlagsTable {
	id: string;
	submission_id: string;
	enrollment_id: string;
	category: 'minor' | 'self_harm' | 'threat' | 'other';
	note: string | null;
	raised_by: string | null;
	raised_at: string;
	resolution: string | null;
	resolved_by: string | null;
	resolved_at: string | null;
}
export interface Database {
	programs: ProgramsTable;
	courts: CourtsTable;
	users: UsersTable;
	user_roles: UserRolesTable;
	user_programs: UserProgramsTable;
	user_courts: UserCourtsTable;
	sessions: SessionsTable;
	known_devices: KnownDevicesTable;
	rate_limits: RateLimitsTable;
	audit_log: AuditLogTable;
	audit_head: AuditHeadTable;
	curriculum_versions: CurriculumVersionsTable;
	modules: ModulesTable;
	quizzes: QuizzesTable;
	quiz_questions: QuizQuestionsTable;
	quiz_options: QuizOptionsTable;
	reflection_prompts: ReflectionPromptsTable;
	enrollments: EnrollmentsTable;
	case_notes: CaseNotesTable;
	due_date_extensions: DueDateExtensionsTable;
	module_progress: ModuleProgressTable;
	quiz_attempts: QuizAttemptsTable;
	quiz_unlocks: QuizUnlocksTable;
	reflection_drafts: ReflectionDraftsTable;
	reflection_submissions: ReflectionSubmissionsTable;
	reflection_grades: ReflectionGradesTable;
	live_sessions: LiveSessionsTable;
	session_registrations: SessionRegistrationsTable;
	signoffs: SignoffsTable;
	signing_keys: SigningKeysTable;
	serial_counters: SerialCountersTable;
	registration_counters: RegistrationCountersTable;
	certificates: CertificatesTable;
	certificate_files: CertificateFilesTable;
	certificate_corrections: CertificateCorrectionsTable;
	verification_log: VerificationLogTable;
	verification_log_head: VerificationLogHeadTable;
	packet_counters: PacketCountersTable;
	evidence_packets: EvidencePacketsTable;
	correction_requests: CorrectionRequestsTable;
	password_resets: PasswordResetsTable;
	safety_flags: SafetyFlagsTable;
}
