import {
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule
} from "graphql"
import { createGraphQLError } from "graphql-yoga"

/** The page size assumed for `first`/`last` given as a variable without a literal default (the connections' cap). */
export const ASSUMED_PAGE_SIZE = 100

type Measure = (selectionSet: SelectionSetNode) => number

/**
 * Folds an operation's selections, expanding fragments once each (memoised, so a "fragment bomb" costs linear
 * time) and treating a fragment cycle (already rejected by `NoFragmentCyclesRule`) as empty.
 */
const measurer = (
  context: ValidationContext,
  combine: (values: ReadonlyArray<number>) => number,
  field: (node: FieldNode, measure: Measure) => number
): Measure => {
  const fragments = new Map<string, number>()
  const measure: Measure = (selectionSet) =>
    combine(
      selectionSet.selections.map((selection) => {
        if (selection.kind === Kind.FIELD) return field(selection, measure)
        if (selection.kind === Kind.INLINE_FRAGMENT) return measure(selection.selectionSet)
        const name = selection.name.value
        const known = fragments.get(name)
        if (known !== undefined) return known
        fragments.set(name, 0)
        const fragment: FragmentDefinitionNode | null | undefined = context.getFragment(name)
        const value = fragment ? measure(fragment.selectionSet) : 0
        fragments.set(name, value)
        return value
      })
    )
  return measure
}

const onOperations = (check: (operation: OperationDefinitionNode) => void): ASTVisitor => ({
  OperationDefinition: check
})

/**
 * Rejects operations nested deeper than `maxDepth` fields (`viewer { userId }` is 2). `ofType` does not count:
 * it is a chain of type wrappers with no fan-out, which the standard introspection query nests seven deep.
 */
export const depthLimit =
  (maxDepth: number): ValidationRule =>
  (context) => {
    const measure = measurer(
      context,
      (values) => Math.max(0, ...values),
      (node, inner) => (node.name.value === "ofType" ? 0 : 1) + (node.selectionSet ? inner(node.selectionSet) : 0)
    )
    return onOperations((operation) => {
      const depth = measure(operation.selectionSet)
      if (depth <= maxDepth) return
      context.reportError(
        createGraphQLError(`The query is nested ${depth} levels deep; at most ${maxDepth} are allowed.`, {
          nodes: [operation],
          extensions: { code: "QUERY_TOO_DEEP" }
        })
      )
    })
  }

const pageSize = (node: FieldNode, defaults: ReadonlyMap<string, number>): number => {
  const argument = node.arguments?.find((arg) => arg.name.value === "first" || arg.name.value === "last")
  if (argument === undefined) return 1
  const value = argument.value
  if (value.kind === Kind.INT) return Math.max(0, Number.parseInt(value.value, 10))
  if (value.kind === Kind.VARIABLE) return defaults.get(value.name.value) ?? ASSUMED_PAGE_SIZE
  return 1
}

/**
 * Rejects operations that select more than `maxCost` fields, counting a paginated list's children once per
 * requested item (`first`/`last`; a variable counts as its literal default, else {@link ASSUMED_PAGE_SIZE}).
 */
export const costLimit =
  (maxCost: number): ValidationRule =>
  (context) =>
    onOperations((operation) => {
      const defaults = new Map<string, number>()
      for (const definition of operation.variableDefinitions ?? []) {
        const value = definition.defaultValue
        if (value?.kind === Kind.INT) defaults.set(definition.variable.name.value, Number.parseInt(value.value, 10))
      }
      const measure = measurer(
        context,
        (values) => values.reduce((sum, value) => sum + value, 0),
        (node, inner) => 1 + (node.selectionSet ? pageSize(node, defaults) * inner(node.selectionSet) : 0)
      )
      const cost = measure(operation.selectionSet)
      if (cost <= maxCost) return
      context.reportError(
        createGraphQLError(`The query costs ${cost}; at most ${maxCost} is allowed.`, {
          nodes: [operation],
          extensions: { code: "QUERY_TOO_COMPLEX" }
        })
      )
    })
