// The demo program: who and what a newcomer sees after one command. Passwords here are for the demo
// only; production accounts are made with `npm run cli -- user:create`.
export const demoProgram = {
	slug: 'ramsey-opp',
	name: 'Offenders Prostitution Program (John School)',
	provider: 'Breaking Free',
	serialPrefix: 'RC',
	// Demo: 2% of each module's minimum seat time, so a visitor can finish a module in about a minute.
	settings: {
		passMark: 80,
		maxAttempts: 3,
		seatTimePercent: 2,
		requiredSessionKinds: [],
		feeRequired: true,
		providerPhone: '651-555-0100'
	}
};

export const demoCourt = { name: 'Ramsey County District Court (Second Judicial District)', county: 'Ramsey' };

export const demoStaff = [
	{
		email: 'admin@demo.johnschool.test',
		name: 'Dana Whitfield',
		title: 'Program Director',
		password: 'violet harbor lantern sixty',
		roles: ['admin'] as const
	},
	{
		email: 'facilitator@demo.johnschool.test',
		name: 'Marcus Lindqvist',
		title: 'Program Facilitator',
		password: 'copper meadow whistle ninety',
		roles: ['facilitator'] as const
	},
	{
		email: 'clerk@demo.johnschool.test',
		name: 'Renee Okafor',
		title: 'Deputy Court Clerk',
		password: 'granite willow compass eleven',
		roles: ['court'] as const
	}
];

export const demoParticipants = {
	partWay: {
		legalName: 'Thomas Brandt',
		dateOfBirth: '1984-03-14',
		caseNumber: '62-CR-26-1042',
		offence: 'Prostitution: hire or agree to hire an individual 18 or older (Minn. Stat. § 609.324, subd. 3)',
		email: 'thomas@demo.johnschool.test',
		password: 'river stone maple thirty',
		dueInDays: 45
	},
	finished: {
		legalName: 'Kevin Marsh',
		dateOfBirth: '1979-11-02',
		caseNumber: '62-CR-26-0877',
		offence: 'Prostitution: hire or agree to hire an individual 18 or older (Minn. Stat. § 609.324, subd. 3)',
		email: 'kevin@demo.johnschool.test',
		password: 'autumn ledger bicycle forty',
		offenceDaysAgo: 41,
		dueInDays: 20
	},
	notActivated: {
		legalName: 'Daniel Ruiz',
		dateOfBirth: '1991-07-22',
		caseNumber: '62-CR-26-1190',
		dueInDays: 60
	}
};

/** Live sessions of the demo program, relative to the day the demo is loaded (program-local times). */
export const demoSessions = {
	upcoming: [
		{
			title: 'Survivor panel',
			kind: 'survivor_panel',
			mode: 'in_person',
			location: 'Community room, program office (demo address)',
			url: '',
			inDays: 7,
			start: '18:00',
			end: '20:30',
			capacity: 20
		},
		{
			title: 'Group discussion: accountability and next steps',
			kind: 'group_discussion',
			mode: 'virtual',
			location: '',
			url: 'https://meet.example.org/john-school-demo',
			inDays: 14,
			start: '18:00',
			end: '19:30',
			capacity: 12
		}
	],
	/** Thomas (part-way) registered for the group discussion, which was then moved: his dashboard shows the notice. */
	moved: { title: 'Group discussion: accountability and next steps', inDays: 15, start: '18:30', end: '20:00' },
	/** Kevin (finished) attended this one. */
	past: {
		title: 'Survivor panel',
		kind: 'survivor_panel',
		location: 'Community room, program office (demo address)',
		daysAgo: 10,
		start: '18:00',
		end: '20:30',
		capacity: 20
	}
} as const;
