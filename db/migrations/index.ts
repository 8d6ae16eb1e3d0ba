import type { Migration } from 'kysely';
import * as m0001 from './0001_programs_courts_users';
import * as m0002 from './0002_sessions_rate_limits';
import * as m0003 from './0003_audit_log';
import * as m0004 from './0004_curriculum';
import * as m0005 from './0005_enrollments';
import * as m0006 from './0006_progress_quizzes_reflections';
import * as m0007 from './0007_live_sessions';
import * as m0008 from './0008_completion_certificates';
import * as m0009 from './0009_live_session_form_token';
import * as m0010 from './0010_unique_serial_prefix';
import * as m0011 from './0011_live_session_changes';
import * as m0012 from './0012_correction_requests';
import * as m0013 from './0013_password_resets';
import * as m0014 from './0014_safety_flags';
import * as m0015 from './0015_next_hearing_date';
import * as m0016 from './0016_certificate_corrections';
import * as m0017 from './0017_sign_in_hardening';
import * as m0018 from './0018_certificate_facts_v2';
import * as m0020 from './0020_signing_key_status';
import * as m0021 from './0021_registry_chain_packets';
import * as m0022 from './0022_certificate_timestamp';
import * as m0023 from './0023_hot_path';

// A static record rather than a folder read at run time: `vite build` bundles it.
export const migrations: Record<string, Migration> = {
	'0001_programs_courts_users': m0001,
	'0002_sessions_rate_limits': m0002,
	'0003_audit_log': m0003,
	'0004_curriculum': m0004,
	'0005_enrollments': m0005,
	'0006_progress_quizzes_reflections': m0006,
	'0007_live_sessions': m0007,
	'0008_completion_certificates': m0008,
	'0009_live_session_form_token': m0009,
	'0010_unique_serial_prefix': m0010,
	'0011_live_session_changes': m0011,
	'0012_correction_requests': m0012,
	'0013_password_resets': m0013,
	'0014_safety_flags': m0014,
	'0015_next_hearing_date': m0015,
	'0016_certificate_corrections': m0016,
	'0017_sign_in_hardening': m0017,
	'0018_certificate_facts_v2': m0018,
	'0020_signing_key_status': m0020,
	'0021_registry_chain_packets': m0021,
	'0022_certificate_timestamp': m0022,
	'0023_hot_path': m0023
};
