// The journeys people take through carepanel, in Chromium, on the real server. The clock starts
// on 25 November 2026 and moves on to the day of each meeting as the journeys need it.

import { test, before, after } from 'node:test';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIdp, CLIENT_ID, CLIENT_SECRET } from './idp.mjs';
import assert from 'node:assert/strict';
import {
  Server, browser, signIn, visit, submit, fillDate, answerForm, addDays, listedFor,
  checkPage, accessibility, BASE,
} from './lib.mjs';

const T0 = '2026-11-25T09:00:00Z';
const TODAY = '2026-11-25';
// Bexley's staff may also sign in through their council's identity provider (a real OpenID
// Connect provider run here); its app role CarePanel.FinanceReader gives the finance role.
const IDP_PORT = Number(new URL(BASE).port) + 10;
const ssoDir = mkdtempSync(join(tmpdir(), 'carepanel-sso-'));
const ssoFile = join(ssoDir, 'sso.toml');
writeFileSync(ssoFile, `[[provider]]
council = "bexley"
label = "Bexley staff sign-in"
issuer = "http://127.0.0.1:${IDP_PORT}"
client_id = "${CLIENT_ID}"
client_secret = "${CLIENT_SECRET}"
redirect_url = "${BASE}/sign-in/sso/bexley/callback"
roles_claim = "roles"
[provider.roles]
"CarePanel.FinanceReader" = [{ role = "finance-officer" }]
`);
let stopIdp;
const server = new Server(['--sso', ssoFile]);
let b;
const state = {};

/** Meeting times are London local; the journeys' meetings fall in winter, when London is UTC. */
function minutesAfter(localIso, minutes) {
  const t = new Date(`${localIso}:00Z`);
  t.setUTCMinutes(t.getUTCMinutes() + minutes);
  return t.toISOString().replace('.000', '');
}

before(async () => {
  stopIdp = await startIdp(IDP_PORT, `${BASE}/sign-in/sso/bexley/callback`);
  await server.start(T0);
  b = await browser();
});

after(async () => {
  await b?.close();
  await server.stop();
  await stopIdp?.();
  rmSync(ssoDir, { recursive: true, force: true });
  console.log(`accessibility: ${accessibility.pages} pages checked, ${accessibility.violations.length} violations`);
});

/** Starts a referral to `panel` for the first child offered; returns the page on its form. */
async function startReferral(page, panel, category) {
  await visit(page, '/referrals');
  await submit(page, 'a[href="/referrals/new"]');
  await page.check(`input[name=panel][value="${panel}"]`);
  await submit(page, 'main button[type=submit]');
  await page.check(`input[name=category][value="${category}"]`);
  const child = await page.$eval('#child option:nth-child(2)', (o) => [o.value, o.textContent]);
  await page.selectOption('#child', child[0]);
  await submit(page, 'form[action="/referrals/new"] button[type=submit]');
  assert.match(page.url(), /\/referrals\/[^/]+\/edit$/);
  return child[1].split(' (')[0];
}

test('a form sent back with a bad date and bad money keeps everything typed', async () => {
  const page = await signIn(b, 'worker11@bexley.example');
  await startReferral(page, 'bexley-rcp', 'support-package-over-1000');
  await page.fill('#amount', '12.345');
  const first = await page.$('form[action$="/edit"] textarea');
  await first.fill('Typed before the mistake');
  const dateDay = await page.$('form[action$="/edit"] input[name$="-day"]');
  const dayName = await dateDay.getAttribute('name');
  const base = dayName.slice(0, -4);
  await page.fill(`#${base}-day`, '31');
  await page.fill(`#${base}-month`, '2');
  await page.fill(`#${base}-year`, '2026');
  await submit(page, 'form[action$="/edit"] button[type=submit]');
  const summary = await page.textContent('.govuk-error-summary');
  assert.match(summary, /pounds and pence/);
  assert.match(summary, /must be a real date/);
  assert.equal(await page.inputValue('#amount'), '12.345');
  assert.equal(await page.inputValue(`#${base}-day`), '31');
  assert.equal(await page.$eval('form[action$="/edit"] textarea', (el) => el.value), 'Typed before the mistake');
  await page.context().close();
});

test('Bexley: referral, team manager and service manager sign-off, listed on the right meeting', async () => {
  const worker = await signIn(b, 'worker11@bexley.example');
  state.bexleyChild = await startReferral(worker, 'bexley-rcp', 'support-package-over-1000');
  await answerForm(worker, TODAY);
  await worker.fill('#amount', '1500.00');
  await submit(worker, 'form[action$="/edit"] button[type=submit]');
  assert.equal(await worker.$('.govuk-error-summary'), null, await worker.textContent('main'));
  // What is missing and who must sign, shown before sending.
  assert.match(await worker.textContent('body'), /Team Manager, then .*Service Manager/i);
  const missing = await worker.textContent('#missing');
  assert.doesNotMatch(missing, /Answer|missing/i, `still missing: ${missing}`);
  state.bexleyReferral = worker.url();
  await submit(worker, '#send');
  assert.match(await worker.textContent('#referral-state'), /awaiting/);

  for (const manager of ['team-manager@bexley.example', 'service-manager@bexley.example']) {
    const m = await signIn(b, manager);
    await visit(m, '/sign-offs');
    await submit(m, `a[href="${new URL(state.bexleyReferral).pathname}"]`);
    await submit(m, 'form[action$="/sign-off"] button');
    await m.context().close();
  }
  await visit(worker, new URL(state.bexleyReferral).pathname);
  assert.match(await worker.textContent('#referral-state'), /listed/);
  const link = await worker.$('#listed-for a');
  state.bexleyMeeting = await link.getAttribute('href');
  state.bexleyStarts = await link.getAttribute('data-starts');
  // Bexley meets weekly on Thursdays at 2pm; referrals close three working days before, at the
  // end of the Monday. Sent on Wednesday 25 November, it is too late for Thursday 26 November
  // (closed Monday 23rd) and on time for Thursday 3 December (closes Monday 30th).
  assert.equal(state.bexleyStarts, '2026-12-03T14:00');
  // The presenter's slot as a calendar invitation, in London time.
  const ics = await worker.request.get(`${BASE}${await worker.getAttribute('#slot-invitation', 'href')}`);
  assert.equal(ics.status(), 200);
  assert.match(ics.headers()['content-type'], /^text\/calendar; charset=utf-8; method=REQUEST/);
  const body = (await ics.text()).replace(/\r\n /g, '');
  assert.match(body, /^BEGIN:VCALENDAR\r\n/);
  assert.match(body, /DTSTART;TZID=Europe\/London:20261203T14\d\d00\r\n/);
  assert.match(body, /ATTENDEE;[^\r]*mailto:worker11@bexley\.example/);
  await worker.context().close();

  // The coordinator sees it on the agenda with its slot, and circulates the papers.
  const coordinator = await signIn(b, 'admin.bexley-rcp@bexley.example');
  await visit(coordinator, state.bexleyMeeting);
  assert.match(await coordinator.textContent('main'), /Support package/);
  await submit(coordinator, '#circulate-papers');
  assert.match(await coordinator.textContent('#papers'), /Papers circulated 25 November 2026/);
  // The pack, published when the papers go out, holds the referral in full.
  await submit(coordinator, 'a[href$="/pack"]');
  assert.match(await coordinator.textContent('#pack-contents'), new RegExp(state.bexleyChild));
  assert.match(await coordinator.textContent('main'), /Entered in the browser/);
  // The register: the coordinator records a member's apologies.
  await visit(coordinator, `${state.bexleyMeeting}/attendance`);
  const absent = await coordinator.$eval('#person option:nth-child(2)', (o) => o.value);
  await coordinator.selectOption('#person', absent);
  await coordinator.check('input[name=status][value=apologies]');
  await submit(coordinator, '#record-attendance');
  assert.match(await coordinator.textContent('.govuk-notification-banner'), /Recorded for/);
  assert.match(await coordinator.textContent('#register'), /apologies/);
  // The worker was told of the listing; the coordinator sees the message waiting to go.
  await visit(coordinator, '/messages');
  assert.match(await coordinator.textContent('#messages'), /worker11@bexley\.example[\s\S]*listed for Thursday 3 December 2026 at 14:00/);
  await coordinator.context().close();

  // A partner agency's member reads the pack and leaves a pre-meeting note on the item.
  const member = await signIn(b, 'panel-member@bexley.example');
  await visit(member, `${state.bexleyMeeting}/pack`);
  const item = await member.$$eval('main a[href$="#notes"]', (as) => as.map((a) => a.getAttribute('href')));
  assert.ok(item.length > 0, 'the pack links each item to its notes');
  await visit(member, item[item.length - 1]);
  await member.fill('#note', 'Known to housing: the family is on the transfer list.');
  await submit(member, '#save-note');
  assert.match(await member.textContent('#notes-list'), /transfer list/);
  await member.context().close();
});

test('E&W Part 2: LPM minutes attached; refused without the Service Manager sign-off', async () => {
  const worker = await signIn(b, 'worker11@hertfordshire.example');
  const category = await (async () => {
    await visit(worker, '/referrals/new?panel=herts-ew-prp');
    const values = await worker.$$eval('input[name=category]', (els) => els.map((e) => [e.value, e.getAttribute('aria-describedby')]));
    return values;
  })();
  // A Part 2 category: its hint names Part 2.
  let part2 = null;
  for (const [value, hint] of category) {
    if (hint && /Part 2/i.test(await worker.textContent(`#${hint}`))) { part2 = value; break; }
  }
  assert.ok(part2, 'E&W offers a Part 2 category');
  await startReferral(worker, 'herts-ew-prp', part2);
  await answerForm(worker, TODAY);
  const completion = await worker.$('select[name="a_completion"]');
  if (completion) await completion.selectOption('first-part-with-lpm-minutes');
  await worker.fill('#amount', '0');
  await submit(worker, 'form[action$="/edit"] button[type=submit]');
  const referral = new URL(worker.url()).pathname;
  await visit(worker, `${referral}/edit`);
  await worker.selectOption('#document', 'lpm-minutes');
  await fillDate(worker, 'written_on', TODAY);
  await worker.setInputFiles('#file', { name: 'lpm-minutes.txt', mimeType: 'text/plain', buffer: Buffer.from('Minutes of the legal planning meeting') });
  await submit(worker, 'form[action$="/attachments"] button');
  assert.match(await worker.textContent('body'), /lpm-minutes\.txt/);
  assert.match(await worker.textContent('body'), /Service Manager/);
  await submit(worker, '#send');
  assert.match(await worker.textContent('#referral-state'), /awaiting/);
  await worker.context().close();

  // A team manager is not offered the sign-off, and one forced through is refused by the rule.
  const tm = await signIn(b, 'team-manager@hertfordshire.example');
  await visit(tm, referral);
  assert.equal(await tm.$('form[action$="/sign-off"]'), null);
  const csrf = await tm.$eval('form[action="/sign-out"] input[name=csrf]', (i) => i.value);
  const refused = await tm.request.post(`${BASE}${referral}/sign-off`, { form: { csrf }, maxRedirects: 0 });
  assert.equal(refused.status(), 403);
  assert.match(await refused.text(), /SIGN-0\d|Service Manager/);
  await tm.context().close();

  const sm = await signIn(b, 'service-manager@hertfordshire.example');
  await visit(sm, referral);
  await submit(sm, 'form[action$="/sign-off"] button');
  await visit(sm, referral);
  assert.match(await sm.textContent('#referral-state'), /listed|for-chair/);
  state.ewReferral = referral;
  state.ewMeeting = await listedFor(sm);
  await sm.context().close();
});

test('E&W: the coordinator cancels a meeting with a Head of Service\'s agreement; its items move on', async () => {
  const coordinator = await signIn(b, 'admin.herts-ew-prp@hertfordshire.example');
  await visit(coordinator, state.ewMeeting);
  await submit(coordinator, 'a[href$="/cancel"]');
  // Nothing chosen: both problems named, nothing cancelled.
  await submit(coordinator, '#cancel-meeting');
  const summary = await coordinator.textContent('.govuk-error-summary');
  assert.match(summary, /prior agreement/);
  assert.match(summary, /why the meeting is cancelled/);
  await coordinator.check('input[name=authoriser] >> nth=0');
  await coordinator.fill('#reason', 'Too few members can attend in audit week');
  await submit(coordinator, '#cancel-meeting');
  const next = new URL(coordinator.url()).pathname;
  assert.notEqual(next, state.ewMeeting);
  assert.match(await coordinator.textContent('main'), /was cancelled \(CAL-07\)/);
  await visit(coordinator, state.ewMeeting);
  assert.match(await coordinator.textContent('.govuk-notification-banner'), /audit week/);
  await visit(coordinator, '/messages');
  assert.match(await coordinator.textContent('#messages'), /your item moves to/);
  await coordinator.context().close();
  // The worker's referral now shows the later meeting.
  const worker = await signIn(b, 'worker11@hertfordshire.example');
  await visit(worker, state.ewReferral);
  assert.equal(await listedFor(worker), next);
  await worker.context().close();
});

test('Devon\'s council administrator adds an account, and reads the policy and the bank holidays', async () => {
  const admin = await signIn(b, 'council-administrator@devon.example');
  await visit(admin, '/admin/people');
  await submit(admin, '#add-account');
  await admin.fill('#name', 'Morgan Newcomer');
  await admin.fill('#email', 'not-an-email');
  await admin.selectOption('#role', 'social-worker');
  await admin.fill('#password', 'short');
  await submit(admin, '#save-account');
  const summary = await admin.textContent('.govuk-error-summary');
  assert.match(summary, /correct format/);
  assert.match(summary, /at least 12 characters/);
  assert.equal(await admin.inputValue('#name'), 'Morgan Newcomer');
  assert.equal(await admin.inputValue('#role'), 'social-worker');
  await admin.fill('#email', 'morgan.newcomer@devon.example');
  await admin.fill('#password', 'a long first password');
  await submit(admin, '#save-account');
  assert.match(await admin.textContent('h1'), /Morgan Newcomer/);
  await visit(admin, '/admin/policy');
  assert.match(await admin.textContent('main'), /In force/);
  await visit(admin, '/admin/bank-holidays');
  assert.match(await admin.textContent('#bank-holidays'), /Friday 25 December 2026\s*Christmas Day/);
  await admin.context().close();
  // The new account signs in with its first password.
  const context = await b.newContext();
  const page = await context.newPage();
  await visit(page, '/sign-in');
  await page.fill('#email', 'morgan.newcomer@devon.example');
  await page.fill('#password', 'a long first password');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  assert.ok(!page.url().includes('/sign-in'));
  await checkPage(page);
  await context.close();
});

test('A finance officer makes an API token, reads the finance log through the API, and revokes it', async () => {
  const page = await signIn(b, 'finance-officer@bexley.example');
  await visit(page, '/account/tokens');
  // Nothing chosen: both problems named, what was typed kept.
  await page.fill('#name', 'Finance system');
  await page.fill('#days', '900');
  await submit(page, '#make-token');
  const summary = await page.textContent('.govuk-error-summary');
  assert.match(summary, /at least one of/);
  assert.match(summary, /1 to 365 days/);
  assert.equal(await page.inputValue('#name'), 'Finance system');
  await page.check('input[name=scopes][value="finance:read"]');
  await page.fill('#days', '30');
  await submit(page, '#make-token');
  const secret = (await page.textContent('#token-secret')).trim();
  assert.match(secret, /^cp_[0-9a-f]{64}$/);
  const call = (path) => fetch(`${BASE}${path}`, { headers: { Authorization: `Bearer ${secret}` } });
  const log = await call('/api/v1/finance-log?panel=bexley-rcp&period=fy');
  assert.equal(log.status, 200);
  assert.equal((await log.json()).panel_id, 'bexley-rcp');
  // The token carries only its scope.
  const referrals = await call('/api/v1/referrals');
  assert.equal(referrals.status, 403);
  assert.equal(referrals.headers.get('content-type'), 'application/problem+json');
  await visit(page, '/account/tokens');
  await submit(page, 'form[action$="/revoke"] button');
  assert.match(await page.textContent('main table'), /Revoked/);
  assert.equal((await call('/api/v1/me')).status, 401);
  await page.context().close();
});

test('Bexley staff sign in through their identity provider; its role claims give carepanel roles', async () => {
  const context = await b.newContext();
  const page = await context.newPage();
  await visit(page, '/sign-in');
  await page.click('#sso-providers a');
  // The provider's own sign-in and consent pages (not carepanel's, so not checked with axe).
  await page.waitForSelector('input[name=login]');
  await page.fill('input[name=login]', 'bexley-tm');
  await page.fill('input[name=password]', 'any password');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  await Promise.all([page.waitForURL(`${BASE}/**`), page.click('button[type=submit]')]);
  assert.match(page.url(), /\/referrals$/);
  await checkPage(page);
  // Signed in as the team manager (their own role opens the sign-offs), and the app role gave
  // the finance role: the finance log is in the menu and opens.
  assert.ok(await page.$('header a[href="/sign-offs"]'), 'the team manager\'s sign-offs are in the menu');
  assert.ok(await page.$('header a[href="/finance"]'), 'the finance log is in the menu');
  await visit(page, '/finance');
  assert.match(await page.textContent('h1'), /Finance log/);
  await context.close();

  // Someone the provider knows but carepanel does not is refused, with the reason.
  const other = await (await b.newContext()).newPage();
  await visit(other, '/sign-in');
  await other.click('#sso-providers a');
  await other.waitForSelector('input[name=login]');
  await other.fill('input[name=login]', 'stranger');
  await other.fill('input[name=password]', 'any password');
  await Promise.all([other.waitForNavigation(), other.click('button[type=submit]')]);
  await Promise.all([other.waitForURL(`${BASE}/**`), other.click('button[type=submit]')]);
  assert.match(await other.textContent('#sso-error'), /No carepanel account .* stranger@bexley\.example/);
  await checkPage(other);
  await other.context().close();
});

test('Portsmouth, by keyboard alone: a chair\'s action over the Service Leader\'s limit is refused', async () => {
  const context = await b.newContext();
  const page = await context.newPage();
  await page.goto(`${BASE}/sign-in`);
  await checkPage(page);
  const tabTo = async (selector) => {
    for (let i = 0; i < 60; i += 1) {
      await page.keyboard.press('Tab');
      if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return;
    }
    throw new Error(`could not reach ${selector} by keyboard`);
  };
  await tabTo('#email');
  await page.keyboard.type('service-leader@portsmouth.example');
  await page.keyboard.press('Tab');
  await page.keyboard.type('demo-panel-2026');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  await checkPage(page);
  await tabTo('a[href="/interim"]');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  await checkPage(page);
  // The child's case-system id, as the service leader would have it from the case record.
  state.portsmouthCase = await (async () => {
    const w = await signIn(b, 'worker11@portsmouth.example');
    await visit(w, '/referrals/new?panel=portsmouth-rp');
    const text = await w.$eval('#child option:nth-child(2)', (o) => o.textContent);
    await w.context().close();
    return text.trim().replace(/\)$/, '').split(' ').pop();
  })();
  await tabTo('#case_id');
  await page.keyboard.type(state.portsmouthCase);
  await tabTo('#amount');
  await page.keyboard.type('1500.00');
  await tabTo('#request');
  await page.keyboard.type('Emergency foster placement for two weeks');
  await tabTo('#why_urgent');
  await page.keyboard.type('The parent was admitted to hospital overnight');
  await tabTo('#take-decision');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  await checkPage(page);
  const summary = await page.textContent('.govuk-error-summary');
  assert.match(summary, /Head of Service|1,000/i, summary);
  assert.match(summary, /EMG-06|AUTH-/);
  // Everything typed is still there.
  assert.equal(await page.inputValue('#amount'), '1500.00');
  assert.equal(await page.inputValue('#request'), 'Emergency foster placement for two weeks');
  await context.close();
});

test('HARP: a decision between meetings', async () => {
  const w = await signIn(b, 'worker11@hertfordshire.example');
  await visit(w, '/referrals/new?panel=herts-ew-prp');
  const text = await w.$eval('#child option:nth-child(2)', (o) => o.textContent);
  await w.context().close();
  const caseId = text.trim().replace(/\)$/, '').split(' ').pop();
  const chair = await signIn(b, 'chair.herts-harp@hertfordshire.example');
  await visit(chair, '/interim');
  await chair.check('input[name=panel][value="herts-harp"]');
  await chair.fill('#case_id', caseId);
  await chair.fill('#amount', '900.00');
  await chair.fill('#request', 'Emergency placement with a connected carer');
  await chair.fill('#why_urgent', 'The placement broke down this evening');
  await submit(chair, '#take-decision');
  assert.match(chair.url(), /\/interim\/[^/]+$/, await chair.textContent('main'));
  state.harpInterim = new URL(chair.url()).pathname;
  state.harpStarts = await chair.getAttribute('#ratification-meeting', 'data-starts');
  assert.match(await chair.textContent('#interim-status'), /awaiting-ratification/);
  await chair.context().close();
});

/** The meetings still to come, in time order, with what to do at each. */
test('on meeting days: the Bexley chair decides and HARP ratifies', async () => {
  const steps = [
    [state.bexleyStarts, bexleyDecision],
    [state.harpStarts, harpRatification],
  ].sort((x, y) => x[0].localeCompare(y[0]));
  for (const [starts, step] of steps) {
    await server.start(minutesAfter(starts, 10));
    await step();
  }
});

async function bexleyDecision() {
  const chair = await signIn(b, 'chair.bexley-rcp@bexley.example');
  await visit(chair, state.bexleyMeeting);
  await submit(chair, `a:has-text("${'Support package'}")`);
  const meetingDay = state.bexleyStarts.slice(0, 10);
  await chair.check('input[name=outcome][value="resource-approved"]');
  await chair.fill('#line-1', 'A support package of 10 hours a week is agreed');
  await chair.fill('#r0-description', 'Family support worker, 10 hours a week');
  await chair.fill('#r0-weekly_cost', '300.00');
  await fillDate(chair, 'r0-start', meetingDay);
  await fillDate(chair, 'r0-end', addDays(meetingDay, 84));
  await chair.fill('#x0-description', 'Arrange the support worker');
  await chair.fill('#x0-owner', 'Social worker');
  await fillDate(chair, 'x0-due', addDays(meetingDay, 7));
  await fillDate(chair, 'return_date', addDays(meetingDay, 56));
  for (const c of await chair.$$('input[name=considered]')) await c.check();
  await chair.fill('#rationale', 'Keeps the child safely at home with support');
  await submit(chair, '#record-decision');
  assert.match(chair.url(), /\/decisions\//, await chair.textContent('main'));
  assert.match(await chair.textContent('#outcome'), /approved/i);
  assert.match(await chair.textContent('main'), /£300\.00/);
  await chair.context().close();
  const worker = await signIn(b, 'worker11@bexley.example');
  await visit(worker, '/planner');
  assert.match(await worker.textContent('#planner'), new RegExp(state.bexleyChild));
  await worker.context().close();

  // The running log: finance sees the commitment; only the Deputy Director signs it off.
  const log = `/finance?panel=bexley-rcp&period=${meetingDay.slice(0, 7)}`;
  const finance = await signIn(b, 'finance-officer@bexley.example');
  await visit(finance, log);
  assert.match(await finance.textContent('main'), /£300\.00/);
  assert.match(await finance.textContent('#log-unsigned'), /[1-9]\d* line/);
  assert.equal(await finance.$('#sign-off-log'), null);
  // The decisions register as a spreadsheet finance and commissioning can open.
  const register = await finance.request.get(`${BASE}${await finance.getAttribute('#decisions-csv', 'href')}`);
  assert.equal(register.status(), 200);
  assert.match(register.headers()['content-type'], /^text\/csv/);
  const lines = (await register.text()).trim().split('\r\n');
  assert.match(lines[0], /^Decided,Meeting,Case system,Case ID,Request,Outcome,Weekly,Total/);
  assert.ok(lines.some((l) => /Resource approved|approved/i.test(l) && /300\.00/.test(l)), lines.join('\n'));
  // Committed spend by panel, quarter and category, for budget monitoring (FIN-05).
  assert.ok(await finance.$('header a[href="/reports/spend"]'), 'the spending report is in the menu');
  await visit(finance, '/reports/spend');
  assert.match(await finance.textContent('#spend-table'), /Bexley[\s\S]*Q[1-4]/);
  assert.notEqual((await finance.textContent('#spend-total')).trim(), '£0.00');
  await finance.context().close();
  const director = await signIn(b, 'chair.bexley-rcp@bexley.example');
  await visit(director, log);
  await submit(director, '#sign-off-log');
  assert.match(await director.textContent('#log-unsigned'), /^\s*0 line/);
  await director.context().close();
}

async function harpRatification() {
  const chair = await signIn(b, 'chair.herts-harp@hertfordshire.example');
  const meeting = await (async () => {
    await visit(chair, state.harpInterim);
    return chair.getAttribute('#ratification-meeting', 'href');
  })();
  await visit(chair, meeting);
  assert.match(await chair.textContent('#interims'), /connected carer/);
  await submit(chair, `#interims a[href="${state.harpInterim}"]`);
  // The panel's first ratification outcome: it ratifies the decision (DEC-09).
  await chair.check('form[action$="/ratify"] input[name=outcome] >> nth=0');
  await chair.fill('#rationale', 'The placement was needed that night and remains right');
  await submit(chair, '#ratify');
  assert.match(chair.url(), /\/decisions\//, await chair.textContent('main'));
  await visit(chair, state.harpInterim);
  assert.doesNotMatch(await chair.textContent('#interim-status'), /awaiting/);
  await chair.context().close();
}
