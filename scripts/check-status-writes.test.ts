import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { checkStatusWrites } from "./check-status-writes.ts"

const tree = (files: Record<string, string>) => {
  const root = mkdtempSync(join(tmpdir(), "status-"))
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true })
    writeFileSync(join(root, path), content)
  }
  return root
}

describe("status writes check", () => {
  it("passes on this project", () => {
    expect(checkStatusWrites(join(import.meta.dirname, ".."))).toEqual([])
  })

  it("flags a status literal assigned outside src/domain, and nothing else", () => {
    const root = tree({
      "src/application/Connect.ts": [
        'repo.update(t, id, { status: "error", metadata: {} })',
        'const write = { status: selection === null ? "pending" : "active" }',
        'connection.status = "revoked"',
        "const w = {",
        "  status:",
        '    ok ? "active" : "pending"',
        "}"
      ].join("\n"),
      "src/adapters/http/Routes.ts": 'let status = "active"',
      "src/application/Reads.ts": [
        'const live = rows.filter((c) => c.status === "active" || c.status !== "revoked")',
        'const patch = { ...transition(connection.status, { _tag: "Fail", reason: "token_invalid" }) }',
        'interface View { readonly status: "active" | "pending" }',
        'const copy = { previous_status: connection.status === "error" ? "pending" : connection.status }',
        'const row = { status: "not_connected", name_status: "APPROVED" }',
        "const q = sql`UPDATE t SET x = 1 WHERE status = 'revoked'`"
      ].join("\n"),
      "src/domain/ChannelConnection.ts": 'return { status: "revoked" }',
      "src/application/Connect.test.ts": 'const row = { status: "active" }',
      "web/src/Card.tsx": 'const s = { status: "active" }'
    })
    expect(checkStatusWrites(root).map((v) => `${v.file}:${v.line}`)).toEqual([
      "src/adapters/http/Routes.ts:1",
      "src/application/Connect.ts:1",
      "src/application/Connect.ts:2",
      "src/application/Connect.ts:3",
      "src/application/Connect.ts:5"
    ])
  })
})
