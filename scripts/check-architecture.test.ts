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

  it("states which adapter may import which, and that only tests import test/", () => {
    const root = tree({
      "src/adapters/graphql/Schema.ts": `import { Auth } from "../http/Auth.ts"\nimport { Repo } from "../persistence/Repo.ts"`,
      "src/adapters/http/Auth.ts": `import { M } from "../observability/M.ts"\nimport { G } from "../graphql/Schema.ts"`,
      "src/adapters/crypto/C.ts": `import { H } from "../../../test/support/Helper.ts"`,
      "src/adapters/newthing/N.ts": `import { D } from "../../domain/D.ts"`,
      "src/adapters/http/Auth.test.ts": `import { Repo } from "../persistence/Repo.ts"\nimport { H } from "../../../test/support/Helper.ts"`,
      "src/domain/D.test.ts": `import { it } from "vitest"`,
      "test/support/Helper.ts": `import { Repo } from "../../src/adapters/persistence/Repo.ts"\nimport { S } from "../../sandbox/S.ts"`,
      "test/e2e.test.ts": `import { H } from "./support/Helper.ts"\nimport { X } from "../src/adapters/http/Auth.test.ts"`,
      "sandbox/S.test.ts": `import { H } from "../test/support/Helper.ts"`,
      "web/src/App.tsx": `import { A } from "../../src/adapters/http/Auth.ts"`
    })
    expect(checkArchitecture(root).map((v) => `${v.file} ${v.specifier}`)).toEqual([
      "src/adapters/crypto/C.ts ../../../test/support/Helper.ts",
      "src/adapters/graphql/Schema.ts ../persistence/Repo.ts",
      "src/adapters/http/Auth.ts ../graphql/Schema.ts",
      "src/adapters/newthing/N.ts ../../domain/D.ts",
      "sandbox/S.test.ts ../test/support/Helper.ts",
      "test/e2e.test.ts ../src/adapters/http/Auth.test.ts",
      "web/src/App.tsx ../../src/adapters/http/Auth.ts"
    ])
    const rules = Object.fromEntries(checkArchitecture(root).map((v) => [v.file, v.rule]))
    expect(rules["src/adapters/crypto/C.ts"]).toBe("only tests import test/")
    expect(rules["src/adapters/newthing/N.ts"]).toContain("missing from the architecture table")
    expect(rules["test/e2e.test.ts"]).toBe("no file imports a test file")
  })

  it("keeps the web app by feature: features use shared, gql and connect, never each other", () => {
    const root = tree({
      "web/src/IntegrationsPage.tsx": `import { W } from "./whatsapp/W.tsx"\nimport { M } from "./meta-ads/M.tsx"`,
      "web/src/whatsapp/W.tsx": `import { S } from "../shared/S.ts"\nimport { C } from "../connect/C.ts"\nimport { M } from "../meta-ads/M.tsx"`,
      "web/src/meta-ads/M.tsx": `import { G } from "../gql/index.ts"\nimport { P } from "../IntegrationsPage.tsx"`,
      "web/src/connect/C.ts": `import { S } from "../shared/S.ts"\nimport { W } from "../whatsapp/W.tsx"`,
      "web/src/connect/metaSdk.ts": `export type X = 1`,
      "web/src/shared/S.ts": `import type { X } from "../connect/metaSdk.ts"\nimport { C } from "../connect/C.ts"`,
      "web/src/gql/index.ts": `export const g = 1`,
      "web/src/inbox/I.tsx": `import { S } from "../shared/S.ts"`,
      "web/src/whatsapp/W.test.tsx": `import { P } from "../IntegrationsPage.tsx"\nimport { M } from "../meta-ads/M.tsx"`
    })
    const found = checkArchitecture(root).map((v) => `${v.file} ${v.specifier} (${v.rule})`)
    expect(found).toEqual([
      "web/src/connect/C.ts ../whatsapp/W.tsx (web/src/connect may import only web/src/connect, web/src/shared, web/src/gql)",
      "web/src/inbox/I.tsx ../shared/S.ts (web/src/inbox is missing from the architecture table (scripts/check-architecture.ts))",
      "web/src/meta-ads/M.tsx ../IntegrationsPage.tsx (web/src/meta-ads may import only web/src/meta-ads, web/src/shared, web/src/gql, web/src/connect)",
      "web/src/shared/S.ts ../connect/C.ts (web/src/shared may import only web/src/shared, web/src/gql, web/src/connect/metaSdk.ts)",
      "web/src/whatsapp/W.tsx ../meta-ads/M.tsx (web/src/whatsapp may import only web/src/whatsapp, web/src/shared, web/src/gql, web/src/connect)"
    ])
  })
})
