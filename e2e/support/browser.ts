import { mkdirSync } from "node:fs"
import { resolve } from "node:path"
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core"

export const chromiumPath = (): string => process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium"

export const screenshotDir = resolve(import.meta.dirname, "../screenshots")

/**
 * Debian's Chromium, headless, with the flags this machine needs: without the background-networking ones Chromium
 * keeps trying Google's hosts, which the closed network refuses. Playwright gives it a new, empty user data dir.
 */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync"
    ]
  })

export interface WatchedPage {
  readonly page: Page
  readonly context: BrowserContext
  /** Console errors and uncaught exceptions seen so far. */
  readonly problems: Array<string>
  /** Saves `e2e/screenshots/{name}.png`: the whole page, or only the viewport (e.g. to show a modal as seen). */
  readonly screenshot: (name: string, options?: { readonly fullPage?: boolean }) => Promise<void>
}

/**
 * A new context and page that record every console error and page error of the app (`origin`); Meta's dialog
 * (the sandbox, another origin) is not ours to judge: its own errors (e.g. its missing favicon) are ignored.
 */
export const openPage = async (
  browser: Browser,
  origin: string,
  options: { readonly viewport?: { width: number; height: number } } = {}
): Promise<WatchedPage> => {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 900 } })
  const page = await context.newPage()
  const problems: Array<string> = []
  page.on("console", (message) => {
    if (message.type() !== "error" || !page.url().startsWith(origin)) return
    const where = message.location().url
    problems.push(`console error on ${page.url()}: ${message.text()}${where ? ` (${where})` : ""}`)
  })
  page.on("pageerror", (error) => problems.push(`page error on ${page.url()}: ${error.message}`))
  mkdirSync(screenshotDir, { recursive: true })
  const screenshot = async (name: string, options: { readonly fullPage?: boolean } = {}) => {
    await page.screenshot({ path: resolve(screenshotDir, `${name}.png`), fullPage: options.fullPage ?? true })
  }
  return { page, context, problems, screenshot }
}
