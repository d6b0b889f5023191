import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { checkArchitecture } from "./check-architecture.ts"

const tree = (files: Record<string, string>) => {
  const root = mkdtempSync(join(tmpdir(), "arch-"))
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true })
    writeFileSync(join(root, path), content)
  }
  return root
}

describe("architecture check", () => {
  it("passes on this project", () => {
    expect(checkArchitecture(join(import.meta.dirname, ".."))).toEqual([])
  })

  it("flags an application file importing an adapter, and domain I/O", () => {
    const root = tree({
      "src/application/UseCase.ts": `import { X } from "../adapters/persistence/X.ts"\nimport { P } from "./ports/P.ts"`,
      "src/application/ports/P.ts": `import type { D } from "../../domain/D.ts"`,
      "src/domain/D.ts": `import { readFileSync } from "node:fs"\nimport { Schema } from "effect"`,
      "sandbox/S.ts": `import { D } from "../src/domain/D.ts"`
    })
    expect(checkArchitecture(root).map((v) => `${v.file} ${v.specifier}`)).toEqual([
      "src/domain/D.ts node:fs",
      "src/application/UseCase.ts ../adapters/persistence/X.ts",
      "sandbox/S.ts ../src/domain/D.ts"
    ])
  })
})
