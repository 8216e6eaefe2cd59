import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
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
  mkdirSync(SHOTS, { recursive: true });
  app = await startTestApp();
  browser = await launchChromium();
  page = await browser.newPage();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

async function snap(name: string) {
  shot += 1;
  await page.screenshot({ path: path.join(SHOTS, `${String(shot).padStart(2, '0')}-${name}.png`) });
}

const message = (text: string) => page.locator('article.message', { hasText: text }).first();

describe('the sandbox in a real browser', () => {
  it('when a payment fails, then an operator can acknowledge, reassign, look the cart up and resolve it from the page', async () => {
    await page.goto(`${app.url}/sandbox`);
    await page.getByRole('button', { name: '# C0PAYMENTS' }).click();
    await app.postEvents(
      anEvent({
        cart_id: 'cart_e2e',
        status: 'failed',
        amount: { value: 12999, currency: 'USD' },
        error: { code: 'card_declined', message: 'Your card was declined.' },
      }),
    );
    await expect.poll(() => message('cart_e2e').isVisible(), { timeout: 10_000 }).toBe(true);
    await snap('failed-payment');

    await page.getByLabel('Acting as').selectOption('U0ANNA');
    await message('cart_e2e').getByRole('button', { name: 'Acknowledge' }).click();
    await expect
      .poll(() => message('cart_e2e').textContent(), { timeout: 10_000 })
      .toContain('Acknowledged by @Anna');
    await snap('acknowledged');

    await message('cart_e2e').getByRole('button', { name: 'Reassign' }).click();
    const dialog = page.locator('dialog[open]');
    await expect.poll(() => dialog.isVisible(), { timeout: 10_000 }).toBe(true);
    await dialog.locator('select').first().selectOption('fulfillment');
    await dialog
      .locator('textarea')
      .fill('Issuer asks to retry after 10:00; over to fulfilment to hold the order.');
    await snap('reassign-modal');
    await dialog.getByRole('button', { name: 'Reassign' }).click();
    await expect
      .poll(() => message('cart_e2e').textContent(), { timeout: 10_000 })
      .toContain('reassigned to #C0FULFIL');
    await snap('old-message-points-on');

    await page.getByRole('button', { name: '# C0FULFIL' }).click();
    await expect.poll(() => message('cart_e2e').isVisible(), { timeout: 10_000 }).toBe(true);
    await page.getByLabel('Slash command').fill('/cart-status cart_e2e');
    await page.getByRole('button', { name: 'Send' }).click();
    const timeline = page.locator('article.ephemeral', { hasText: 'Cart cart_e2e' });
    await expect.poll(() => timeline.textContent(), { timeout: 10_000 }).toContain('reassigned');
    expect(await timeline.textContent()).toContain('acknowledged');
    await snap('cart-status');

    await page
      .locator('article.message:not(.ephemeral)', { hasText: 'cart_e2e' })
      .first()
      .getByRole('button', { name: 'Resolve' })
      .click();
    await expect
      .poll(
        () => page.locator('article.message:not(.ephemeral)', { hasText: 'cart_e2e' }).first().textContent(),
        { timeout: 10_000 },
      )
      .toContain('Resolved by @Anna');
    await snap('resolved');
  }, 120_000);
});
