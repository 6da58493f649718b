import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, type Page, test } from '@playwright/test';
import { ADMIN_EMAIL, DEMO_PASSWORD } from './support/constants.ts';
import { shot, signIn } from './support/session.ts';

async function at(page: Page, width: number, name: string) {
  await page.setViewportSize({ width, height: width < 600 ? 844 : 900 });
  await shot(page, `${name}-${width}`);
}

test('an administrator adds a webhook endpoint, sends a test, reads the answer and rotates the secret', async ({
  page,
}) => {
  const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/cdp-events`;
  try {
    await signIn(page, ADMIN_EMAIL, DEMO_PASSWORD);
    await page.goto('/settings');
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Webhooks' }).click();
    await expect(page.getByText('No webhook endpoints')).toBeVisible();

    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add endpoint' });
    await dialog.getByLabel('Endpoint URL').fill(url);
    await dialog.getByLabel('Description').fill('Warehouse loader');
    await dialog.getByLabel(/data_version\.created/).check();
    await dialog.getByLabel(/data_version\.activated/).check();
    await dialog.getByRole('button', { name: 'Add endpoint' }).click();

    const secretDialog = page.getByRole('dialog', { name: 'Signing secret' });
    await expect(secretDialog.getByText(/^whsec_/)).toBeVisible();
    await expect(secretDialog.getByText('Copy it now: it is not shown again')).toBeVisible();
    await secretDialog.getByRole('button', { name: 'Done' }).click();

    await page.getByRole('button', { name: 'Send test' }).click();
    await expect.poll(() => received.length, { timeout: 30_000 }).toBe(1);
    expect(JSON.parse(received[0]?.body ?? '{}').type).toBe('webhook.test');
    expect(received[0]?.headers['webhook-signature']).toMatch(/^v1,/);

    await page.getByRole('button', { name: 'Deliveries' }).click();
    const sheet = page.getByRole('dialog', { name: 'Deliveries' });
    await expect(sheet.getByText('succeeded')).toBeVisible({ timeout: 15_000 });
    await sheet.getByRole('button', { name: /webhook\.test/ }).click();
    await expect(sheet.getByText('{"received":true}')).toBeVisible();
    await expect(sheet.getByText('HTTP 200').first()).toBeVisible();
    for (const width of [1440, 1024, 390]) await at(page, width, '70-webhook-deliveries');
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.keyboard.press('Escape');

    await expect(page.getByText('1 delivered')).toBeVisible();
    for (const width of [1440, 1024, 390]) await at(page, width, '71-webhooks');
    await page.setViewportSize({ width: 1440, height: 900 });

    await page.getByRole('button', { name: `More actions for ${url}` }).click();
    await page.getByRole('menuitem', { name: 'Rotate secret' }).click();
    const rotate = page
      .getByRole('alertdialog', { name: 'Rotate signing secret' })
      .or(page.getByRole('dialog', { name: 'Rotate signing secret' }));
    await rotate.getByLabel('Overlap').selectOption('24');
    await rotate.getByRole('button', { name: 'Rotate secret' }).click();
    await expect(
      page.getByRole('dialog', { name: 'Signing secret' }).getByText(/previous secret also signs/),
    ).toBeVisible();
    await page.getByRole('dialog', { name: 'Signing secret' }).getByRole('button', { name: 'Done' }).click();
    await expect(page.getByText(/previous secret signs until/)).toBeVisible();
  } finally {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  }
});
