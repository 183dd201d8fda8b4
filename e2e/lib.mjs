// carepanel's browser-test harness: starts the real server binary on a fresh database with
// demonstration data and a chosen clock, drives Debian's Chromium with playwright-core, and
// checks every page visited with axe (WCAG 2.2 A and AA rules).

import { spawn } from 'node:child_process';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import assert from 'node:assert/strict';

export const PASSWORD = 'demo-panel-2026';

const BIN = process.env.CAREPANEL_BIN;
const DATABASE = process.env.CAREPANEL_E2E_DATABASE;
const PORT = Number(process.env.CAREPANEL_E2E_PORT || 8093);
export const BASE = `http://127.0.0.1:${PORT}`;

/** The server, restarted with a later clock when a journey moves to the day of a meeting. */
export class Server {
  /** `extra` are further arguments to `serve`, kept across restarts. */
  constructor(extra = []) {
    this.extra = extra;
    assert.ok(BIN, 'CAREPANEL_BIN must name the carepanel binary');
    assert.ok(DATABASE, 'CAREPANEL_E2E_DATABASE must name an empty database');
    this.proc = null;
    this.clock = null;
  }

  async start(clock) {
    await this.stop();
    this.clock = clock;
    const args = ['serve', '--database', DATABASE, '--demo', '--demo-weeks', '2',
      '--bind', `127.0.0.1:${PORT}`, '--clock', clock, ...this.extra];
    // From the repository root, where the policies and the bank holidays are.
    const root = new URL('..', import.meta.url).pathname;
    const proc = spawn(BIN, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    let output = '';
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start in 300 s:\n${output}`)), 300_000);
      const seen = (chunk) => {
        output += chunk.toString();
        if (output.includes('carepanel is serving')) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout.on('data', seen);
      proc.stderr.on('data', seen);
      proc.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code}:\n${output}`));
      });
    });
    proc.removeAllListeners('exit');
  }

  async stop() {
    if (!this.proc) return;
    const proc = this.proc;
    this.proc = null;
    await new Promise((resolve) => {
      proc.on('exit', resolve);
      proc.kill('SIGTERM');
    });
  }
}

export async function browser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

/** Pages checked with axe, and what it found. */
export const accessibility = { pages: 0, violations: [] };

/** Runs axe on the page as it is now: 0 violations of WCAG 2.2 A and AA rules allowed. */
export async function checkPage(page) {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'])
    .analyze();
  accessibility.pages += 1;
  const found = result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  accessibility.violations.push(...found.map((f) => `${page.url()}: ${f}`));
  assert.deepEqual(found, [], `axe found violations on ${page.url()}`);
}

/** Opens a page and checks it. */
export async function visit(page, path) {
  const res = await page.goto(BASE + path);
  await checkPage(page);
  return res;
}

/** A new browser context signed in as `email`. */
export async function signIn(b, email) {
  const context = await b.newContext();
  const page = await context.newPage();
  await visit(page, '/sign-in');
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  assert.ok(!page.url().includes('/sign-in'), `${email} could not sign in`);
  await checkPage(page);
  return page;
}

/** Submits a form by its button and checks the page that comes back. */
export async function submit(page, selector) {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
  await checkPage(page);
}

/** Fills a three-box GOV.UK date. */
export async function fillDate(page, name, date) {
  const [y, m, d] = date.split('-');
  await page.fill(`#${name}-day`, String(Number(d)));
  await page.fill(`#${name}-month`, String(Number(m)));
  await page.fill(`#${name}-year`, y);
}

/** Answers every question of a referral form with a plausible value of its type. */
export async function answerForm(page, on) {
  const [y, m, d] = on.split('-');
  const inputs = await page.$$('form[action$="/edit"] input[type=text][name^="a_"]');
  for (const input of inputs) {
    const name = await input.getAttribute('name');
    const placeholder = await input.getAttribute('placeholder');
    const inputmode = await input.getAttribute('inputmode');
    const money = await input.evaluate((el) => el.parentElement.classList.contains('govuk-input__wrapper'));
    let value;
    if (name.endsWith('-day')) value = String(Number(d));
    else if (name.endsWith('-month')) value = String(Number(m));
    else if (name.endsWith('-year')) value = y;
    else if (/-\d+-\d+$/.test(name)) {
      if (!/-0-\d+$/.test(name)) continue; // one row of each table
      if (placeholder) value = `${Number(d)}/${Number(m)}/2015`;
      else if (inputmode === 'numeric') value = '5';
      else value = 'Entered in the browser';
    } else if (money) value = '250.00';
    else if (inputmode === 'numeric') value = '5';
    else value = 'Entered in the browser';
    await input.fill(value);
  }
  for (const area of await page.$$('form[action$="/edit"] textarea')) {
    await area.fill('What the family needs and why, as the worker sets it out.');
  }
  for (const select of await page.$$('form[action$="/edit"] select')) {
    const first = await select.$eval('option:nth-child(2)', (o) => o.value).catch(() => null);
    if (first) await select.selectOption(first);
  }
  for (const yes of await page.$$('form[action$="/edit"] input[type=radio][value=yes]')) {
    await yes.check();
  }
}

/** A date `days` after an ISO date. */
export function addDays(iso, days) {
  const t = new Date(`${iso}T12:00:00Z`);
  t.setUTCDate(t.getUTCDate() + days);
  return t.toISOString().slice(0, 10);
}

/** The meeting a referral page says it is listed for: [meeting path, ISO start]. */
export async function listedFor(page) {
  const link = await page.$('#listed-for a');
  assert.ok(link, 'the referral shows the meeting it is listed for');
  return link.getAttribute('href');
}
