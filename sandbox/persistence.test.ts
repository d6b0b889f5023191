import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { loadState, saveState } from "./persistence.ts"
import { addWaba, createState } from "./state.ts"

const seedApp = { id: "1234567890123456", secret: "s".repeat(32), redirectUris: ["http://127.0.0.1/cb"] }
const file = () => join(mkdtempSync(join(tmpdir(), "sandbox-state-")), "nested", "sandbox-state.json")

describe("the sandbox state file", () => {
  it("round-trips the state (Maps included) and the clock offset; this run's app wins over the saved one", () => {
    const path = file()
    const state = createState(seedApp, 1_000, null)
    const waba = addWaba(state, state.seedBusinessId, "Saved WABA")
    state.config.duplicateDeliveries = true
    saveState(path, state, 42_000, 2_000)
    expect(statSync(path).mode & 0o777).toBe(0o600)

    const nextSeed = createState({ ...seedApp, secret: "t".repeat(32) }, 5_000, null)
    const loaded = loadState(path, nextSeed)
    expect(loaded._tag).toBe("Loaded")
    if (loaded._tag !== "Loaded") return
    expect(loaded.clockOffsetMs).toBe(42_000)
    expect(loaded.state.wabas).toBeInstanceOf(Map)
    expect(loaded.state.wabas.get(waba.id)?.name).toBe("Saved WABA")
    expect(loaded.state.users.get(state.seedUserId)).toEqual(state.users.get(state.seedUserId))
    expect(loaded.state.config.duplicateDeliveries).toBe(true)
    expect(loaded.state.app.secret).toBe("t".repeat(32))
    expect(loaded.state.app.partnerBusinessId).toBe(state.app.partnerBusinessId)
  })

  it("reports a missing, a corrupt and another version's file", () => {
    const seed = createState(seedApp, 0, null)
    const path = file()
    expect(loadState(path, seed)._tag).toBe("Missing")
    saveState(path, seed, 0, 0)
    writeFileSync(path, readFileSync(path, "utf8").slice(0, 50))
    expect(loadState(path, seed)._tag).toBe("Unreadable")
    writeFileSync(path, JSON.stringify({ version: 99, savedAtMs: 0, clockOffsetMs: 0, state: {} }))
    expect(loadState(path, seed)).toEqual({ _tag: "Unreadable", reason: "version 99" })
  })
})
