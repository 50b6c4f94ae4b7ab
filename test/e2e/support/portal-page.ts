import { expect } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { screenshot, seriousViolations, type AxeFinding } from './portal-browser';

/**
 * Steps of the portal e2e test in the users' terms: sign in, open a page, pick in a
 * Cloudscape select, act on a row, read the flash message. Every page visited is
 * screenshotted and checked by axe-core; violations are collected for one final assertion.
 */
export class PortalDriver {
  readonly violations: Record<string, AxeFinding[]> = {};
  readonly errors: string[] = [];

  constructor(
    readonly page: Page,
    readonly baseUrl: string,
  ) {
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (error) => this.errors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && !/the server responded with a status of (400|401|404|409)/.test(message.text())) {
        this.errors.push(`console: ${message.text()}`);
      }
    });
  }

  async signIn(username: string, password: string): Promise<void> {
    await this.page.getByLabel('Username').fill(username);
    await this.page.getByLabel('Password').fill(password);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
  }

  /** Client-side navigation through the side navigation, as a user does. */
  async nav(text: string): Promise<void> {
    await this.page.getByRole('navigation').getByRole('link', { name: text, exact: true }).click();
    await this.heading(text === 'Startup services' ? 'Startup services' : text);
  }

  async goto(path: string): Promise<void> {
    await this.page.goto(this.baseUrl + path);
  }

  async heading(name: string | RegExp, level = 1): Promise<Locator> {
    const heading = this.page.getByRole('heading', { name, level });
    await heading.first().waitFor();
    return heading.first();
  }

  /** Screenshot and axe-core check of the page as it is now. */
  async record(name: string): Promise<void> {
    await this.settle();
    await screenshot(this.page, name);
    const found = await seriousViolations(this.page);
    if (found.length) this.violations[name] = found;
  }

  /** Waits until no loading indicator is shown. */
  async settle(): Promise<void> {
    await this.page.waitForLoadState('networkidle').catch(() => undefined);
    await expect.poll(() => this.page.getByText(/^Loading/).count(), { timeout: 15_000 }).toBe(0);
  }

  /** Picks an option of the Cloudscape select found by `trigger`. */
  async choose(trigger: Locator, option: string | RegExp): Promise<void> {
    await trigger.click();
    await this.page.getByRole('option', { name: option }).first().click();
  }

  entitySelect(): Locator {
    return this.page.locator('[data-testid="entity-select"] button').first();
  }

  async chooseEntity(path: string | RegExp): Promise<void> {
    await this.choose(this.entitySelect(), path);
  }

  /** Opens a row's action menu (ButtonDropdown, inline icon) and picks an item. */
  async rowAction(actionsLabel: string | RegExp, item: string | RegExp): Promise<void> {
    await this.page.getByRole('button', { name: actionsLabel }).click();
    await this.page.getByRole('menuitem', { name: item }).click();
  }

  dialog(): Locator {
    return this.page.getByRole('dialog');
  }

  async flash(text: string | RegExp): Promise<void> {
    await this.page.locator('[class*="awsui_flashbar"]').getByText(text).first().waitFor();
  }

  async see(text: string | RegExp, scope: Locator | Page = this.page): Promise<void> {
    await scope.getByText(text).filter({ visible: true }).first().waitFor();
  }
}
