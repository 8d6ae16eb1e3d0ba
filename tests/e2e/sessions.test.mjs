// A live session from scheduling to attendance: an admin makes a survivor panel required (late counts),
// a facilitator schedules one on a tablet, the demo participant registers on a phone, the facilitator
// takes attendance on the tablet, and the participant's requirement then shows as met. Then a session
// changes: the facilitator moves one on the tablet and the participant finds the notice on his phone;
// and a walk-in is added at the door and marked present.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { after, before, describe, it } from 'node:test';
import { BASE, accounts, axe, launch, login, newPage, shot } from './helpers.mjs';

const TABLET = { width: 820, height: 1180 };
const PHONE = { width: 390, height: 844 };
// The demo program has no timeZone setting: the default zone applies.
const ZONE = 'America/Chicago';
const title = `Survivor panel ${Date.now() % 100000}`;
const state = {};
let browser;

/** "YYYY-MM-DDTHH:MM" in the program's zone, `minutes` from now (what a datetime-local input takes). */
function localIn(minutes) {
	const parts = new Intl.DateTimeFormat('en-CA', {
		timeZone: ZONE,
		hourCycle: 'h23',
		year: 'numeric',
		month: '2-digit',
		day: '2-digit',
		hour: '2-digit',
		minute: '2-digit'
	}).formatToParts(new Date(Date.now() + minutes * 60_000));
	const p = (t) => parts.find((x) => x.type === t).value;
	return `${p('year')}-${p('month')}-${p('day')}T${p('hour')}:${p('minute')}`;
}

/** Puts the demo program's session settings back, whatever happened in the tests. */
function restoreProgramSettings() {
	const d = new Database(process.env.DATABASE_URL);
	try {
		const row = d.prepare("select settings_json from programs where slug = 'ramsey-opp'").get();
		const settings = { ...JSON.parse(row.settings_json), requiredSessionKinds: [], lateCountsAsPresent: false };
		d.prepare("update programs set settings_json = ? where slug = 'ramsey-opp'").run(JSON.stringify(settings));
	} finally {
		d.close();
	}
}

before(async () => {
	browser = await launch();
});
after(async () => {
	restoreProgramSettings();
	await browser?.close();
});

describe('a live session, from scheduling to attendance', () => {
	it('an admin requires a survivor panel and lets a late arrival count', async () => {
		const { page, context } = await newPage(browser, TABLET);
		await login(page, accounts.admin);
		await page.goto(`${BASE}/admin/program`);
		await axe(page, 'program settings');
		await page.check('input[name=requiredSessionKinds][value=survivor_panel]');
		await page.check('input[name=lateCountsAsPresent]');
		await page.click('main button[type=submit]');
		await page.waitForSelector('text=Settings saved');
		assert.equal(await page.isChecked('input[name=requiredSessionKinds][value=survivor_panel]'), true);
		assert.equal(await page.isChecked('input[name=lateCountsAsPresent]'), true);
		await axe(page, 'program settings saved');
		await shot(page, 'admin-program-settings-tablet');
		await context.close();
	});

	it('a facilitator schedules it on a tablet; a missing place is refused and what he typed is kept', async () => {
		const { page, context } = await newPage(browser, TABLET);
		await login(page, accounts.facilitator);
		await page.goto(`${BASE}/facilitate/sessions`);
		await axe(page, 'sessions list');
		await page.fill('#title', title);
		await page.selectOption('#kind', 'survivor_panel');
		await page.check('input[name=mode][value=in_person]');
		// It began two minutes ago (added at the door), so attendance can be taken at once.
		await page.fill('#startsLocal', localIn(-2));
		await page.fill('#endsLocal', localIn(90));
		await page.fill('#capacity', '5');
		await page.click('text=Schedule session');
		await page.waitForSelector('#location-error');
		assert.match(await page.textContent('#location-error'), /needs a place/);
		assert.equal(await page.inputValue('#title'), title, 'the title is kept');
		assert.equal(await page.inputValue('#capacity'), '5', 'the capacity is kept');
		await axe(page, 'schedule form with an error');
		await page.fill('#location', 'Community room, 2nd floor');
		await page.click('text=Schedule session');
		await page.waitForURL(/\/facilitate\/sessions\/[a-z0-9]+\?scheduled=1$/);
		await page.waitForSelector('text=Session scheduled');
		state.sessionUrl = page.url().split('?')[0];
		assert.match(await page.textContent('main'), /Required for completion/);
		assert.match(await page.textContent('main'), /Nobody has registered yet/);
		await axe(page, 'session scheduled');
		await page.goto(`${BASE}/facilitate/sessions`);
		assert.equal(await page.locator(`table a:text-is("${title}")`).count(), 1, 'one session, listed');
		await shot(page, 'facilitator-sessions-tablet');
		await context.close();
	});

	it('the participant sees it on a phone, as required, and registers', async () => {
		const { page, context } = await newPage(browser, PHONE);
		await login(page, accounts.participant);
		await page.click('text=Live sessions: see what is scheduled and register');
		await page.waitForURL(/\/learn\/sessions$/);
		await axe(page, 'participant sessions');
		const required = page.locator('ul.checklist li:has-text("Survivor panel")');
		assert.match(await required.textContent(), /To do/);
		const card = page.locator(`li.session:has(h3:text-is("${title}"))`);
		assert.match(await card.textContent(), /Counts toward completion/);
		assert.match(await card.textContent(), /5 seats left/);
		await card.locator('button:has-text("Register")').click();
		await page.waitForSelector(`text=You are registered for ${title}`);
		assert.match(await card.textContent(), /You are registered/);
		assert.match(await card.textContent(), /4 seats left/);
		// The session has started: he can no longer give the seat back.
		assert.equal(await card.locator('button').count(), 0);
		await axe(page, 'participant registered');
		await shot(page, 'participant-sessions-phone');
		await context.close();
	});

	it('the facilitator takes attendance on a tablet with large touch targets', async () => {
		const { page, context } = await newPage(browser, TABLET);
		await login(page, accounts.facilitator);
		await page.goto(state.sessionUrl);
		const row = page.locator('fieldset.roster-row:has(legend:has-text("Thomas Brandt"))');
		await row.waitFor();
		await axe(page, 'roster');
		for (const choice of await row.locator('label.choice').all()) {
			const box = await choice.boundingBox();
			assert.ok(
				box.height >= 44 && box.width >= 44,
				`touch target ${Math.round(box.width)}x${Math.round(box.height)} is at least 44 px`
			);
		}
		// A grade without attendance is refused, and the choice is kept.
		await row.locator('label.choice:has-text("Adequate")').click();
		await page.click('text=Save attendance');
		await page.waitForSelector('text=Choose attendance before a participation grade.');
		assert.equal(await row.locator('input[value=adequate]').isChecked(), true);
		await axe(page, 'roster with an error');
		await row.locator('label.choice:has-text("Late")').click();
		await row.locator('input[name^="note-"]').fill('Arrived ten minutes late; took part well.');
		await page.click('text=Save attendance');
		await page.waitForSelector('text=Attendance saved (1 change)');
		await page.reload();
		const saved = page.locator('fieldset.roster-row:has(legend:has-text("Thomas Brandt"))');
		assert.equal(await saved.locator('input[value=late]').isChecked(), true, 'late is saved');
		assert.equal(await saved.locator('input[value=adequate]').isChecked(), true, 'the grade is saved');
		assert.equal(await saved.locator('input[name^="note-"]').inputValue(), 'Arrived ten minutes late; took part well.');
		await axe(page, 'roster saved');
		await shot(page, 'facilitator-roster-tablet');
		await context.close();
	});

	it("the participant's requirement now shows as met", async () => {
		const { page, context } = await newPage(browser, PHONE);
		await login(page, accounts.participant);
		await page.goto(`${BASE}/learn/sessions`);
		assert.match(await page.locator('ul.checklist li:has-text("Survivor panel")').textContent(), /Done/);
		assert.match(await page.locator('.session-history').textContent(), new RegExp(`${title}[\\s\\S]*Late`));
		assert.doesNotMatch(await page.content(), /took part well/, 'the facilitator note is for staff only');
		await axe(page, 'requirement met');
		await shot(page, 'participant-sessions-met-phone');
		await page.goto(`${BASE}/learn`);
		assert.match(
			await page.locator('ul.checklist li:has-text("Required live sessions attended")').textContent(),
			/Done/
		);
		await context.close();
	});

	it('without JavaScript, the schedule form shows both place and link, and attendance can be corrected', async () => {
		const context = await browser.newContext({ viewport: TABLET, javaScriptEnabled: false });
		const page = await context.newPage();
		await page.goto(`${BASE}/login`);
		await page.fill('#email', accounts.facilitator.email);
		await page.fill('#password', accounts.facilitator.password);
		await Promise.all([
			page.waitForURL((u) => !u.pathname.startsWith('/login')),
			page.click('main button[type=submit]')
		]);
		await page.goto(`${BASE}/facilitate/sessions`);
		assert.equal(await page.locator('#location').count(), 1);
		assert.equal(await page.locator('#url').count(), 1);
		await page.goto(state.sessionUrl);
		const row = page.locator('fieldset.roster-row:has(legend:has-text("Thomas Brandt"))');
		assert.equal(
			await page.locator('text=Mark the rest present').count(),
			0,
			'the JavaScript-only shortcut is not offered'
		);
		await row.locator('label.choice:has-text("Present")').click();
		await Promise.all([page.waitForURL(/\?saved=1$/), page.click('text=Save attendance')]);
		assert.match(await page.textContent('main'), /Attendance saved \(1 change\)/);
		assert.equal(
			await page.locator('fieldset.roster-row:has(legend:has-text("Thomas Brandt")) input[value=present]').isChecked(),
			true
		);
		await context.close();
	});

	it('the admin removes the requirement again', async () => {
		const { page, context } = await newPage(browser, TABLET);
		await login(page, accounts.admin);
		await page.goto(`${BASE}/admin/program`);
		await page.uncheck('input[name=requiredSessionKinds][value=survivor_panel]');
		await page.uncheck('input[name=lateCountsAsPresent]');
		await page.click('main button[type=submit]');
		await page.waitForSelector('text=Settings saved');
		assert.equal(await page.isChecked('input[name=requiredSessionKinds][value=survivor_panel]'), false);
		await context.close();
	});
});

describe('a session changes, and a walk-in', () => {
	const moved = `Group discussion ${Date.now() % 100000}`;
	const doorTitle = `Walk-in group ${Date.now() % 100000}`;

	it('the facilitator schedules a session three days ahead and the participant registers on a phone', async () => {
		const fac = await newPage(browser, TABLET);
		await login(fac.page, accounts.facilitator);
		await fac.page.goto(`${BASE}/facilitate/sessions`);
		await fac.page.fill('#title', moved);
		await fac.page.selectOption('#kind', 'group_discussion');
		await fac.page.fill('#location', 'Community room, 2nd floor');
		state.movedStart = localIn(3 * 24 * 60);
		await fac.page.fill('#startsLocal', state.movedStart);
		await fac.page.fill('#endsLocal', localIn(3 * 24 * 60 + 90));
		await fac.page.fill('#capacity', '8');
		await fac.page.click('text=Schedule session');
		await fac.page.waitForURL(/\/facilitate\/sessions\/[a-z0-9]+\?scheduled=1$/);
		state.movedUrl = fac.page.url().split('?')[0];
		await fac.context.close();

		const pat = await newPage(browser, PHONE);
		await login(pat.page, accounts.participant);
		await pat.page.goto(`${BASE}/learn/sessions`);
		const card = pat.page.locator(`li.session:has(h3:text-is("${moved}"))`);
		await card.locator('button:has-text("Register")').click();
		await pat.page.waitForSelector(`text=You are registered for ${moved}`);
		assert.doesNotMatch(await card.textContent(), /Changed/);
		await pat.page.goto(`${BASE}/learn`);
		assert.equal(
			await pat.page.locator(`.session-change:has-text("${moved}")`).count(),
			0,
			'no notice before a change'
		);
		await pat.context.close();
	});

	it('the facilitator moves it a day later on a tablet; an end before the start is refused, keeping what he typed', async () => {
		const { page, context } = await newPage(browser, TABLET);
		await login(page, accounts.facilitator);
		await page.goto(state.movedUrl);
		await axe(page, 'session page with the edit form closed');
		await page.click('summary:has-text("Change the title")');
		assert.equal(await page.inputValue('#title'), moved, 'the form is prefilled');
		assert.equal(await page.inputValue('#startsLocal'), state.movedStart);
		await axe(page, 'edit form open');
		const start = localIn(4 * 24 * 60);
		await page.fill('#startsLocal', start);
		await page.fill('#endsLocal', localIn(4 * 24 * 60 - 30));
		await page.click('text=Save changes');
		await page.waitForSelector('#endsLocal-error');
		assert.match(await page.textContent('#endsLocal-error'), /end must be after the start/);
		assert.equal(await page.inputValue('#startsLocal'), start, 'the new start is kept');
		await axe(page, 'edit form with an error');
		await page.fill('#endsLocal', localIn(4 * 24 * 60 + 90));
		await page.click('text=Save changes');
		await page.waitForSelector('text=Changes saved. Registered participants see a notice');
		assert.equal(await page.isVisible('text=Save changes'), false, 'the form is folded away again');
		await axe(page, 'session edited');
		await shot(page, 'facilitator-session-edited-tablet');
		await context.close();
	});

	it('the participant sees the new time at the top of his dashboard and on his sessions page, on a phone', async () => {
		const { page, context } = await newPage(browser, PHONE);
		await login(page, accounts.participant);
		await page.goto(`${BASE}/learn`);
		// (The demo participant also has the demo's own moved group discussion.)
		const notice = page.locator(`.session-change:has-text("${moved}")`);
		assert.equal(await notice.count(), 1);
		assert.match(await notice.textContent(), new RegExp(`Changed: ${moved} is now `));
		await axe(page, 'dashboard with a change notice');
		await shot(page, 'participant-change-notice-phone');
		await notice.locator('a:has-text("See your sessions")').click();
		await page.waitForURL(/\/learn\/sessions$/);
		const card = page.locator(`li.session:has(h3:text-is("${moved}"))`);
		assert.match(await card.textContent(), new RegExp(`Changed: ${moved} is now `));
		await axe(page, 'sessions page with a change notice');
		await shot(page, 'participant-sessions-changed-phone');
		await context.close();
	});

	it('a walk-in is added at the door and marked present', async () => {
		const { page, context } = await newPage(browser, TABLET);
		await login(page, accounts.facilitator);
		await page.goto(`${BASE}/facilitate/sessions`);
		await page.fill('#title', doorTitle);
		await page.selectOption('#kind', 'group_discussion');
		await page.fill('#location', 'Community room, 2nd floor');
		await page.fill('#startsLocal', localIn(-5));
		await page.fill('#endsLocal', localIn(60));
		await page.fill('#capacity', '1');
		await page.click('text=Schedule session');
		await page.waitForURL(/\?scheduled=1$/);
		await page.waitForSelector('text=Nobody has registered yet');
		await axe(page, 'walk-in form');
		const option = page.locator('#walkin-enrollment option', { hasText: 'Thomas Brandt' });
		await page.selectOption('#walkin-enrollment', await option.getAttribute('value'));
		await page.click('text=Add to roster');
		await page.waitForSelector('text=Walk-in added to the roster');
		const row = page.locator('fieldset.roster-row:has(legend:has-text("Thomas Brandt"))');
		assert.match(await row.locator(':scope > legend').textContent(), /Walk-in/);
		assert.equal(
			await page.locator('#walkin-enrollment option', { hasText: 'Thomas Brandt' }).count(),
			0,
			'no longer offered'
		);
		await axe(page, 'walk-in on the roster');
		await row.locator('label.choice:has-text("Present")').click();
		await page.click('text=Save attendance');
		await page.waitForSelector('text=Attendance saved (1 change)');
		await page.reload();
		assert.equal(
			await page.locator('fieldset.roster-row:has(legend:has-text("Thomas Brandt")) input[value=present]').isChecked(),
			true
		);
		// Attendance is taken: the time is fixed, the place can still change.
		await page.click('summary:has-text("Change the title, place or meeting link")');
		assert.equal(await page.locator('#startsLocal').count(), 0);
		await axe(page, 'edit form after attendance');
		await shot(page, 'facilitator-walk-in-tablet');
		await context.close();
	});

	it('without JavaScript, the edit form offers both place and link, and saves', async () => {
		const context = await browser.newContext({ viewport: TABLET, javaScriptEnabled: false });
		const page = await context.newPage();
		await page.goto(`${BASE}/login`);
		await page.fill('#email', accounts.facilitator.email);
		await page.fill('#password', accounts.facilitator.password);
		await Promise.all([
			page.waitForURL((u) => !u.pathname.startsWith('/login')),
			page.click('main button[type=submit]')
		]);
		await page.goto(state.movedUrl);
		await page.click('summary:has-text("Change the title")');
		assert.equal(await page.locator('#location').count(), 1);
		assert.equal(await page.locator('#url').count(), 1);
		await page.fill('#title', `${moved} (room 4)`);
		await page.fill('#location', 'Room 4, 2nd floor');
		await Promise.all([page.waitForURL(/\?edited=told$/), page.click('text=Save changes')]);
		assert.match(await page.textContent('h1'), /room 4/);
		await context.close();
	});
});

describe('live sessions are closed to the wrong roles', () => {
	it('answers 403 to the participant in the facilitator area and to court staff in both', async () => {
		// A context per person: clearing cookies in a shared one races any response still in flight.
		const participant = await newPage(browser, PHONE);
		await login(participant.page, accounts.participant);
		assert.equal((await participant.page.goto(`${BASE}/facilitate/sessions`)).status(), 403);
		assert.equal((await participant.page.goto(state.sessionUrl)).status(), 403);
		await participant.context.close();
		const clerk = await newPage(browser, PHONE);
		await login(clerk.page, accounts.clerk);
		for (const p of ['/facilitate/sessions', '/learn/sessions', '/admin/program'])
			assert.equal((await clerk.page.goto(`${BASE}${p}`)).status(), 403, p);
		await clerk.context.close();
	});
});
