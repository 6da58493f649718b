import { expect, type Page, test } from '@playwright/test';
import { DEMO_PASSWORD } from './support/constants.ts';
import { openDemoDashboard } from './support/demo-study.ts';
import { layoutProblems } from './support/layout-check.ts';
import { shot, signIn } from './support/session.ts';

/*
 * A monitor drills from the AE chart of the demo dashboard to the subjects behind a body system,
 * opens one subject's profile, reads its adverse events, timeline and labs, and steps to the next
 * subject of the same list. The profile is shot at the three widths it is laid out for.
 */

const MANAGER_EMAIL = 'manager@demo.cdp.local';

test('a monitor drills from the AE chart to a subject’s profile and steps to the next subject', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, MANAGER_EMAIL, DEMO_PASSWORD);
  await openDemoDashboard(page);

  const aeChart = page.locator('[data-widget-id="ae-by-soc"]');
  await expect(aeChart).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await aeChart.getByRole('button', { name: /: actions$/ }).click();
  await page.getByRole('menuitem', { name: 'Show as table' }).click();
  await aeChart.locator('[data-drill]').first().click();
  const sheet = page.getByRole('dialog');
  const subjects = sheet.getByRole('table', { name: 'Subjects' });
  await expect(subjects.getByRole('row').nth(2)).toBeVisible();
  const first = (await subjects.locator('[data-subject-link]').first().getAttribute('data-subject-link')) ?? '';
  const second = (await subjects.locator('[data-subject-link]').nth(1).getAttribute('data-subject-link')) ?? '';
  expect(first).not.toBe('');
  await subjects.locator('[data-subject-link]').first().click();

  // The profile: its header, its adverse events (this subject has at least one in the clicked body system).
  await expect(page).toHaveURL(new RegExp(`/subjects/${first}\\?list=`));
  await expect(page.getByRole('heading', { level: 1 })).toContainText(first);
  const aes = page.getByRole('table', { name: 'Adverse events' });
  await expect(aes.getByRole('row').nth(1)).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('region', { name: 'Timeline' }).locator('canvas').first()).toBeVisible();
  await expect(page.getByRole('region', { name: 'Laboratory results' })).toContainText(/from LB/);
  await expect(page.getByTestId('subject-list-position')).toContainText(/^1 of \d+/);

  for (const [width, height] of [
    [1440, 900],
    [1024, 800],
    [390, 844],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(400);
    await shot(page, `patient-profile-${width}`);
    expect(await layoutProblems(page), `layout at ${width}px`).toEqual([]);
  }
  await page.setViewportSize({ width: 1440, height: 900 });

  // Next: the second subject of the same list, with the list still known.
  await page.getByRole('link', { name: `Next subject: ${second}` }).click();
  await expect(page).toHaveURL(new RegExp(`/subjects/${second}\\?list=`));
  await expect(page.getByRole('heading', { level: 1 })).toContainText(second);
  await expect(page.getByTestId('subject-list-position')).toContainText(/^2 of \d+/);
  await expect(page.getByRole('table', { name: 'Adverse events' }).getByRole('row').nth(1)).toBeVisible();
  await page.getByRole('link', { name: `Previous subject: ${first}` }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(first);
});

/** The review marks of the profile's tables whose badge or control lies past the table's visible width (needs a sideways scroll). */
async function reviewMarksOutOfReach(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const mark of document.querySelectorAll<HTMLElement>('main table [data-review-record]')) {
      let box: HTMLElement | null = mark.parentElement;
      while (box && !/(auto|scroll)/.test(getComputedStyle(box).overflowX)) box = box.parentElement;
      const visibleRight = Math.min(window.innerWidth, box ? box.getBoundingClientRect().right : window.innerWidth);
      // The badge and the mark control themselves (the cell around them may be wider).
      const controls = [...(mark.firstElementChild?.children ?? [])];
      const right = Math.max(...controls.map((c) => c.getBoundingClientRect().right));
      if (controls.length === 0 || right > visibleRight + 1 || (box && box.scrollLeft > 0)) {
        out.push(`${mark.closest('table')?.getAttribute('aria-label')}: ${mark.dataset.reviewRecord}`);
      }
    }
    return out;
  });
}

test('from a subject listing, Next walks past the page on screen; review marks stay within reach at 390 px', async ({
  page,
  request,
}) => {
  test.setTimeout(180_000);
  await signIn(page, MANAGER_EMAIL, DEMO_PASSWORD);
  await openDemoDashboard(page);
  await page.getByRole('link', { name: 'Subjects', exact: true }).click();
  const listing = page.locator('[data-widget-id="subject-listing"]');
  await expect(listing).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  const links = listing.locator('[data-subject-link]');
  await expect(links.first()).toBeVisible();
  const pageSize = await links.count();
  const last = (await links.last().getAttribute('data-subject-link')) ?? '';

  // What the reader would see first on the listing's second page: the subject Next must reach.
  const [, studyId, dashboardId] = /\/studies\/([^/]+)\/dashboards\/([^/?#]+)/.exec(page.url()) ?? [];
  const login = await request.post('/api/auth/login', { data: { email: MANAGER_EMAIL, password: DEMO_PASSWORD } });
  const headers = { authorization: `Bearer ${(await login.json()).accessToken}` };
  const second = await request.get(
    `/api/studies/${studyId}/dashboards/${dashboardId}/widgets/subject-listing/data?offset=${pageSize}`,
    { headers },
  );
  expect(second.status(), await second.text()).toBe(200);
  const body = await second.json();
  const id = body.columns.findIndex((c: { field: string }) => c.field === 'subject_id');
  const following = String(body.rows[0][id]);
  expect(body.total).toBeGreaterThan(pageSize);

  await links.last().click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(last);
  await expect(page.getByTestId('subject-list-position')).toContainText(`${pageSize} of ${body.total}`, {
    timeout: 30_000,
  });
  await page.getByRole('link', { name: `Next subject: ${following}` }).click({ timeout: 30_000 });
  await expect(page.getByRole('heading', { level: 1 })).toContainText(following);
  await expect(page.getByTestId('subject-list-position')).toContainText(`${pageSize + 1} of ${body.total}`);
  await page.getByRole('link', { name: `Previous subject: ${last}` }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(last);

  // Every profile table's review mark is reachable at each width without scrolling a table sideways.
  await expect(page.locator('main table [data-review-record]').first()).toBeAttached({ timeout: 30_000 });
  for (const [width, height] of [
    [1440, 900],
    [1024, 800],
    [390, 844],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(400);
    expect(await reviewMarksOutOfReach(page), `review marks at ${width}px`).toEqual([]);
    for (const section of ['Concomitant medications', 'Medical history', 'Exposure', 'Disposition']) {
      const table = page.getByRole('table', { name: section });
      if ((await table.count()) === 0) continue;
      await table.scrollIntoViewIfNeeded();
      await shot(page, `profile-review-${section.toLowerCase().replaceAll(' ', '-')}-${width}`);
    }
    const labs = page.getByRole('region', { name: 'Laboratory results' }).getByRole('table').first();
    if ((await labs.count()) > 0) {
      await labs.scrollIntoViewIfNeeded();
      await shot(page, `profile-review-labs-${width}`);
    }
  }
});
