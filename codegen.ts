/**
 * graphql-codegen (`npm run codegen`): the web app's GraphQL types, from the printed schema (`schema.graphql`,
 * kept in step with the Pothos schema by `src/adapters/graphql/schema.test.ts`) and the `graphql(…)` documents of
 * `web/src`. The output, `web/src/gql/`, is committed; `web/src/graphql.test.tsx` fails when it is stale.
 */
import type { CodegenConfig } from "@graphql-codegen/cli"

const config: CodegenConfig = {
  schema: "src/adapters/graphql/schema.graphql",
  documents: ["web/src/**/*.tsx", "!web/src/**/*.test.tsx"],
  ignoreNoDocuments: false,
  silent: true,
  generates: {
    "web/src/gql/": {
      preset: "client",
      presetConfig: { fragmentMasking: true },
      config: {
        // ESM with `verbatimModuleSyntax` and `.ts` imports, as the rest of the project.
        useTypeImports: true,
        importExtension: ".ts",
        scalars: { DateTime: "string" },
        strictScalars: true,
        enumType: "string-literal",
        immutableTypes: true
      }
    }
  }
}

export default config
