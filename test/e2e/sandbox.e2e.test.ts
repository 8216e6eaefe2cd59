import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { ensureChromium, launchChromium } from '../support/chromium.js';
import { anEvent } from '../support/events.js';

const SHOTS = path.resolve('test-results/e2e');
let app: TestApp;
let browser: BrowserContext;
let page: Page;
let shot = 0;

beforeAll(async () => {
  ensureChromium();
  // This run's screenshots only, so none left from an earlier run is taken for what the page shows now.
  rmSync(SHOTS, { recursive: true, force: true });
  mkdirSync(SHOTS, { recursive: true });
  app = await startTestApp();
  browser = await launchChromium();
  page = await browser.newPage();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

async function snap(name: string, on: Page = page) {
  shot += 1;
  await on.screenshot({ path: path.join(SHOTS, `${String(shot).padStart(2, '0')}-${name}.png`) });
}

const failure = (cart: string, code = 'processing_error') =>
  anEvent({
    cart_id: cart,
    status: 'failed',
    amount: { value: 12999, currency: 'USD' },
    error: { code, message: 'An error occurred while processing the card.' },
  });
const message = (text: string, on: Page = page) =>
  on.locator('article.message:not(.ephemeral)', { hasText: text }).first();
const soon = { timeout: 10_000 };

/** Whether the element is wholly inside the window: what a person sees without scrolling. */
async function inView(locator: Locator, on: Page = page): Promise<boolean> {
  const box = await locator.boundingBox();
  const size = on.viewportSize();
  if (box === null || size === null) return false;
  return (
    box.y >= 0 && box.x >= 0 && box.y + box.height <= size.height + 1 && box.x + box.width <= size.width + 1
  );
}

describe('the sandbox in a real browser', () => {
  it('when a payment fails, then an operator can acknowledge, reassign, look the cart up and resolve it from the page', async () => {
    await page.goto(`${app.url}/`);
    expect(page.url()).toBe(`${app.url}/sandbox`);
    await page.getByRole('button', { name: '# payments' }).click();
    await app.postEvents(failure('cart_e2e'));
    await expect.poll(() => message('cart_e2e').isVisible(), soon).toBe(true);
    // As Slack shows it: the bot's name and the time on the message, dates in the reader's time.
    const first = (await message('cart_e2e').textContent()) ?? '';
    expect(first).toMatch(/^CartwatchAPP\d{1,2}:\d{2}\s?[AP]M/);
    expect(first).toMatch(
      /First seen\s*(Today|Yesterday|Tomorrow|[A-Z][a-z]{2} \d{1,2}, \d{4}) \d{1,2}:\d{2}:\d{2}\s?[AP]M/,
    );
    expect(first).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    await snap('failed-payment');

    await page.getByLabel('Acting as').selectOption('U0ANNA');
    await message('cart_e2e').getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(() => message('cart_e2e').textContent(), soon).toContain('Acknowledged by @Anna');
    // The thread is folded behind its reply count, as in Slack, and opens on a click.
    const replies = message('cart_e2e').getByRole('button', { name: '1 reply' });
    await expect.poll(() => replies.isVisible(), soon).toBe(true);
    expect(await message('cart_e2e').textContent()).not.toContain('Anna acknowledged this');
    await replies.click();
    await expect.poll(() => message('cart_e2e').textContent(), soon).toContain('Anna acknowledged this');
    await snap('acknowledged');

    await message('cart_e2e').getByRole('button', { name: 'Reassign' }).click();
    const dialog = page.locator('dialog[open]');
    await expect.poll(() => dialog.isVisible(), soon).toBe(true);
    await dialog.getByLabel('Owner team').selectOption('fulfillment');
    await dialog
      .getByLabel('Handoff note')
      .fill('PSP says retry after 10:00; over to fulfilment to hold the order. 📦');
    await snap('reassign-modal');
    await dialog.getByRole('button', { name: 'Reassign' }).click();
    await expect.poll(() => message('cart_e2e').textContent(), soon).toContain('reassigned to #fulfillment');
    await snap('old-message-points-on');

    await page.getByRole('button', { name: '# fulfillment' }).click();
    await expect.poll(() => message('cart_e2e').isVisible(), soon).toBe(true);
    await page.getByLabel('Slash command').fill('/cart-status cart_e2e');
    await page.getByRole('button', { name: 'Send' }).click();
    const timeline = page.locator('article.ephemeral', { hasText: 'Cart cart_e2e' });
    await expect.poll(() => timeline.textContent(), soon).toContain('reassigned');
    expect(await timeline.textContent()).toContain('acknowledged');
    // The reply is where the person is: in the channel they typed in, scrolled into view.
    await expect.poll(() => inView(timeline.getByText('Only visible to you')), soon).toBe(true);
    await snap('cart-status');

    await message('cart_e2e').getByRole('button', { name: 'Resolve', exact: true }).click();
    await expect.poll(() => message('cart_e2e').textContent(), soon).toContain('Resolved by @Anna');
    await snap('resolved');
  }, 120_000);

  it('when /cart-status is typed on Home, then the reply shows there', async () => {
    await page.getByRole('button', { name: 'Home' }).click();
    await expect.poll(() => page.locator('#messages').textContent(), soon).toContain('Your teams');
    await page.getByLabel('Slash command').fill('/cart-status help');
    await page.keyboard.press('Enter');
    const reply = page.locator('article.ephemeral', { hasText: '/cart-status mine' });
    await expect.poll(() => inView(reply.getByText('Only visible to you')), soon).toBe(true);
    await snap('home-reply');
  }, 60_000);

  it('when used by keyboard only, then the ⋯ menu moves focus without acting, and a silence is made and ended', async () => {
    await page.getByRole('button', { name: '# payments' }).click();
    await app.postEvents(failure('cart_keys', 'api_connection_error'));
    await expect.poll(() => message('cart_keys').isVisible(), soon).toBe(true);
    const more = message('cart_keys').getByRole('button', { name: /^More actions/ });
    expect(await more.getAttribute('aria-label')).toContain('cart cart_keys');
    await more.focus();
    // ArrowDown opens the menu on its first item and picks nothing; the next one moves on.
    await page.keyboard.press('ArrowDown');
    const menu = message('cart_keys').getByRole('menu');
    await expect.poll(() => menu.isVisible(), soon).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Resolve with a note…');
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Snooze…');
    expect(await page.locator('dialog[open]').count()).toBe(0);
    await page.keyboard.press('Enter');
    const dialog = page.locator('dialog[open]');
    await expect.poll(() => dialog.textContent(), soon).toContain('Snooze exception');
    // Escape closes the modal and gives focus back to the menu button that opened it.
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count(), soon).toBe(0);
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? ''), soon)
      .toMatch(/^More actions/);

    // Silence like this…: drop the error code, say for how long and why, by keys alone.
    await page.keyboard.press('ArrowUp');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Silence like this…');
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog.textContent(), soon).toContain('Silence like this');
    await dialog.getByLabel('Reason').focus();
    await page.keyboard.type('PSP incident INC-42');
    await dialog.getByLabel('Error code: api_connection_error').focus();
    await page.keyboard.press('Space');
    // The bot redraws the modal (views.update): what was typed stays.
    await expect
      .poll(() => dialog.getByLabel('Error code: api_connection_error').isChecked(), soon)
      .toBe(false);
    await expect.poll(() => dialog.getByLabel('Reason').inputValue(), soon).toBe('PSP incident INC-42');
    expect(await dialog.textContent()).toMatch(/Matches \d+ open exceptions? now/);
    await dialog.getByLabel('For', { exact: true }).focus();
    await dialog.getByLabel('For', { exact: true }).selectOption('1h');
    await snap('silence-modal');
    await dialog.getByLabel('Reason').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog.count(), soon).toBe(0);
    const started = page.locator('article.message', { hasText: '🔕 Anna silenced' });
    await expect.poll(() => started.isVisible(), soon).toBe(true);

    await page.getByLabel('Slash command').focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('/cart-status silences');
    await page.keyboard.press('Enter');
    const listed = page.locator('article.ephemeral', { hasText: 'Silenced now: 1' });
    await expect.poll(() => listed.isVisible(), soon).toBe(true);
    // The same reply, however it is redrawn.
    const list = page.locator(`[data-ephemeral="${await listed.getAttribute('data-ephemeral')}"]`);
    await list.getByRole('button', { name: 'End now' }).focus();
    await page.keyboard.press('Enter');
    // Slack asks first; Enter confirms.
    const confirm = page.locator('dialog#confirm[open]');
    await expect.poll(() => confirm.textContent(), soon).toContain('End this silence?');
    await page.keyboard.press('Enter');
    const ended = page.locator('article.message', { hasText: "Silence 'PSP incident INC-42' by Anna ended" });
    await expect.poll(() => ended.isVisible(), soon).toBe(true);
    await expect.poll(() => list.textContent(), soon).toContain('Nothing is silenced');
    await snap('silence-ended');
  }, 90_000);

  it('when opened on a phone, then the channels fold away and the Reassign modal fits the screen', async () => {
    const phone = await browser.newPage();
    await phone.setViewportSize({ width: 400, height: 800 });
    try {
      await phone.goto(`${app.url}/sandbox`);
      const channels = phone.getByRole('button', { name: '# payments' });
      await expect.poll(() => channels.isVisible(), soon).toBe(false);
      await phone.getByRole('button', { name: 'Channels' }).click();
      await expect.poll(() => channels.isVisible(), soon).toBe(true);
      await snap('phone-channels', phone);
      await channels.click();
      await expect.poll(() => channels.isVisible(), soon).toBe(false);
      await app.postEvents(failure('cart_phone', 'rate_limit'));
      await expect.poll(() => message('cart_phone', phone).isVisible(), soon).toBe(true);
      const width = () => phone.evaluate(() => document.documentElement.scrollWidth);
      expect(await width()).toBeLessThanOrEqual(400);
      await message('cart_phone', phone).getByRole('button', { name: 'Reassign' }).click();
      const dialog = phone.locator('dialog[open]');
      await expect.poll(() => dialog.isVisible(), soon).toBe(true);
      expect(await inView(dialog, phone)).toBe(true);
      expect(await inView(dialog.getByRole('button', { name: 'Reassign' }), phone)).toBe(true);
      await snap('phone-reassign', phone);
    } finally {
      await phone.close();
    }
  }, 60_000);
});
