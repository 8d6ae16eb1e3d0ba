// Minn. Stat. § 13.04 subd. 2 (the "Tennessen warning"): before private data is collected, the person
// is told why, whether he must answer, what follows from refusing, and who else receives it.
export const NOTICE_VERSION = '2026-11-a';

export const NOTICE = {
	title: 'Data practices notice (Minnesota Statutes § 13.04, subd. 2)',
	paragraphs: [
		'Why we ask: the program collects your name, date of birth, case number, contact details, course activity (time spent, quiz answers, written reflections, attendance) and your attestation so that it can deliver the court-ordered course and report whether you completed it.',
		'Do you have to give it: you are not legally required to provide this information. But if you refuse, you cannot take the course online, and the program cannot tell the court that you completed it. The court may treat that as not meeting the condition it set.',
		'Who receives it: program staff; the court that referred you, including court clerks and your probation officer, who see your progress, your deadline and your certificate; and anyone you give your certificate to, who can check that it is real. It may also be released to others where a law or court order requires it.',
		'Your rights: you may ask to see the data kept about you and ask for a correction if it is wrong.'
	]
};
