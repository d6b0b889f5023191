/**
 * `npm run test:e2e`: the browser suite. Checks for Debian's Chromium (never downloads a browser), builds the web
 * app, then runs `e2e/*.e2e.ts` with Vitest, which starts the real service (sandbox mode) and drives Chromium with
 * playwright-core. Exits non-zero when anything fails.
 */
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { resolve } from "node:path"
import { chromiumPath } from "./support/browser.ts"

const root = resolve(import.meta.dirname, "..")
const executable = chromiumPath()
if (!existsSync(executable)) {
  console.error("Chromium is missing: apt-get install -y chromium")
  process.exit(1)
}

const npm = process.platform === "win32" ? "npm.cmd" : "npm"
const build = spawnSync(npm, ["run", "--silent", "build:web"], { cwd: root, stdio: "inherit" })
if (build.status !== 0) {
  console.error("E2E: FAILED (npm run build:web failed)")
  process.exit(build.status ?? 1)
}

const vitest = spawnSync(
  process.execPath,
  [
    resolve(root, "node_modules/vitest/vitest.mjs"),
    "run",
    "--config",
    "e2e/vitest.config.ts",
    ...process.argv.slice(2)
  ],
  { cwd: root, stdio: "inherit" }
)
const status = vitest.status ?? 1
console.log(status === 0 ? "E2E: all browser tests passed" : `E2E: FAILED (vitest exited with ${status})`)
console.log(`Screenshots: ${resolve(root, "e2e/screenshots")}`)
process.exit(status)
