import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { checkMetaWire } from "./check-meta-wire.ts"

const tree = (files: Record<string, string>) => {
  const root = mkdtempSync(join(tmpdir(), "wire-"))
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true })
    writeFileSync(join(root, path), content)
  }
  return root
}

describe("Meta wire format check", () => {
  it("passes on this project", () => {
    expect(checkMetaWire(join(import.meta.dirname, ".."))).toEqual([])
  })

  it("flags Meta error codes and entry/changes parsing outside the meta-graph adapter, and nothing else", () => {
    const root = tree({
      "src/application/Send.ts": [
        "if (error.code === 131047) return",
        "const REJECTIONS = { 131026: 'x' }",
        "// Meta answers code 190 when the token is gone",
        "if (100 === failure.subcode) return"
      ].join("\n"),
      "src/application/Process.ts": "for (const entry of envelope.entry) for (const c of entry.changes) go(c)",
      "src/domain/Envelope.ts": 'const E = Schema.Struct({ entry: Schema.Array(X) })\nconst v = payload["changes"]',
      "src/adapters/graphql/schema/x.ts": "const limit = 4096\nconst port = 8080\nif (status === 503) retry()",
      "src/adapters/persistence/Inbox.ts": "const copy = { ...entry, lockedUntil: 0 }\nentries.set(id, entry)",
      "web/src/Card.tsx": "const text = code === 368 ? 'restricted' : ''",
      "src/adapters/meta-graph/Decoder.ts": "if (error.code === 131047) return\nfor (const e of payload.entry) e",
      "src/application/Send.test.ts": "const body = { entry: [{ changes: [] }] }; expect(code).toBe(131047)",
      "sandbox/errors.ts": "export const code = 133010"
    })
    expect(checkMetaWire(root).map((v) => `${v.file}:${v.line}`)).toEqual([
      "src/application/Process.ts:1",
      "src/application/Send.ts:1",
      "src/application/Send.ts:2",
      "src/application/Send.ts:3",
      "src/application/Send.ts:4",
      "src/domain/Envelope.ts:1",
      "src/domain/Envelope.ts:2",
      "web/src/Card.tsx:1"
    ])
  })
})
