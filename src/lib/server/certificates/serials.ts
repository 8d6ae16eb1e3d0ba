import { serialNumber } from '../../domain/certificate-facts';
import { clock } from '../clock';
import type { Db } from '../db';

/** The next serial of a program for this year (e.g. RC-2026-000124); call inside the claiming transaction. */
export async function nextSerial(trx: Db, program: { id: string; serial_prefix: string }): Promise<string> {
	const year = clock.now().getUTCFullYear();
	const counter = await trx
		.insertInto('serial_counters')
		.values({ program_id: program.id, year, last_value: 1 })
		.onConflict((oc) =>
			oc.columns(['program_id', 'year']).doUpdateSet((eb) => ({ last_value: eb('serial_counters.last_value', '+', 1) }))
		)
		.returning('last_value')
		.executeTakeFirstOrThrow();
	return serialNumber(program.serial_prefix, year, Number(counter.last_value));
}
