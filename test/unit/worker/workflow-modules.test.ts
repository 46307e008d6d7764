/**
 * Which modules a workflow run evaluates (workflows/index.ts, docs/decisions/worker-tuning.md "Per-workflow
 * modules"): the SDK evaluates the bundle's modules afresh for every run, so the entry loads each workflow's
 * module only when a run of it starts, and a port child — thirty of them per access at 30 brokers — loads
 * neither the access's input contract nor any other workflow. Read from the sources' runtime imports (type-only
 * imports are erased and never evaluated).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const WORKFLOWS = resolve(dirname(fileURLToPath(import.meta.url)), '../../../workflows');

/** Relative modules `file` imports at runtime: static value imports and re-exports, and dynamic `import()`s. */
function runtimeImports(file: string): { static: string[]; dynamic: string[] } {
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out = { static: [] as string[], dynamic: [] as string[] };
  const add = (list: string[], spec: string): void => {
    if (spec.startsWith('.')) list.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const c = node.importClause;
      const typeOnly = c !== undefined && (c.isTypeOnly || (!c.name && c.namedBindings !== undefined && ts.isNamedImports(c.namedBindings) && c.namedBindings.elements.every((e) => e.isTypeOnly)));
      if (!typeOnly) add(out.static, node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const typeOnly = node.isTypeOnly || (node.exportClause !== undefined && ts.isNamedExports(node.exportClause) && node.exportClause.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) add(out.static, node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteral(arg)) add(out.dynamic, arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(src);
  return out;
}

/** Every module a run of `file`'s workflow evaluates (its static runtime imports, transitively). */
function evaluatedBy(file: string): Set<string> {
  const seen = new Set<string>();
  const walk = (f: string): void => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const d of runtimeImports(f).static) walk(d);
  };
  walk(file);
  return seen;
}

const rel = (files: Iterable<string>): string[] => [...files].map((f) => f.slice(WORKFLOWS.length + 1)).sort();

describe('the modules a workflow run evaluates', () => {
  it('the bundle entry loads no workflow module up front: each one when a run of it starts', () => {
    const entry = runtimeImports(join(WORKFLOWS, 'index.ts'));
    expect(entry.static).toEqual([]);
    expect(rel(entry.dynamic)).toEqual(
      ['access-workflow.ts', 'lock-workflow.ts', 'named-access-workflow.ts', 'named-reverify-workflow.ts', 'plan-workflow.ts', 'port-workflow.ts', 'remove-client-workflow.ts', 'reverify-workflow.ts', 'teardown-workflow.ts'].sort(),
    );
  });

  it('a port child loads neither the access input contract nor another workflow', () => {
    const modules = rel(evaluatedBy(join(WORKFLOWS, 'port-workflow.ts')));
    expect(modules).toContain('port-input.ts');
    expect(modules).toContain('polling-input.ts');
    expect(modules).not.toContain('input.ts');
    expect(modules.filter((m) => m.endsWith('-workflow.ts'))).toEqual(['port-workflow.ts']);
  });

  it('the lock workflow (one per held lock, long-lived in the cache) loads no provisioning module', () => {
    const modules = rel(evaluatedBy(join(WORKFLOWS, 'lock-workflow.ts')));
    expect(modules.filter((m) => m.endsWith('-workflow.ts'))).toEqual(['lock-workflow.ts']);
    expect(modules).not.toContain('input.ts');
  });
});
