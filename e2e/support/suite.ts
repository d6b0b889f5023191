import type { Browser, Page } from "playwright-core"
import { afterAll, afterEach, beforeAll } from "vitest"
import { launchChromium, openPage, type WatchedPage } from "./browser.ts"
import { type Stack, startStack } from "./stack.ts"

/**
 * Registers a browser suite's lifecycle (the service with its sandbox, Chromium, and the pages each test opens,
 * closed after it) and returns what tests use.
 */
export const browserSuite = () => {
  let stack: Stack | undefined
  let browser: Browser | undefined
  const opened: Array<WatchedPage> = []

  beforeAll(async () => {
    stack = await startStack()
    browser = await launchChromium()
  })
  afterEach(async () => {
    for (const watched of opened.splice(0)) await watched.context.close()
  })
  afterAll(async () => {
    await browser?.close()
    await stack?.stop()
  })

  const started = (): Stack => {
    if (stack === undefined) throw new Error("the service stack is not started yet")
    return stack
  }

  return {
    stack: started,
    open: async (viewport?: { width: number; height: number }) => {
      const watched = await openPage(browser!, started().url, viewport === undefined ? {} : { viewport })
      opened.push(watched)
      return watched
    },
    /** Signs in to the sandbox as `role` of `tenant`, then waits for the integrations page and `card`. */
    signIn: async (
      page: Page,
      tenant: string,
      role: "member" | "marketing" | "admin",
      card: string,
      screenshot?: (name: string) => Promise<void>
    ) => {
      await page.goto(`${started().url}/`)
      await page.getByRole("heading", { name: "Sign in to the sandbox" }).waitFor()
      await screenshot?.("00-sign-in")
      await page.getByLabel("Workspace").fill(tenant)
      await page.getByLabel("Role").selectOption(role)
      await page.getByRole("button", { name: "Sign in" }).click()
      await page.getByRole("heading", { name: "Integrations" }).waitFor()
      await page
        .getByRole("region", { name: card, exact: true })
        .getByRole("heading", { name: card, exact: true })
        .waitFor()
    }
  }
}
