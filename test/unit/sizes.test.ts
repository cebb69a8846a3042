// Small files with one job, small functions (the brief's style rules, and issue 13's "done
// when"): no source file in lib/ over 450 lines, and no function in lib/, functions/ or
// cdk/ over 80 lines, but the codec's unrolled fast paths. Functions are found with
// TypeScript's parser: declarations, methods, arrows and function expressions alike.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const MAX_FILE_LINES = 450;
const MAX_FUNCTION_LINES = 80;

/** Fast paths kept whole on purpose: one sizing pass and one write pass per batch. */
const LONG_FUNCTIONS_ALLOWED = ['lib/records/batch.ts encodeBatch'];

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

const lineCount = (text: string): number => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);

function nameOf(node: ts.Node): string {
  const named = (node as { name?: ts.Node }).name;
  if (named) return named.getText();
  const parent = node.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))) return parent.name.getText();
  return '<anonymous>';
}

function longFunctions(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && (node as { body?: ts.Node }).body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      if (last - first + 1 > MAX_FUNCTION_LINES) found.push(`${file} ${nameOf(node)} (${last - first + 1} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('sizes', () => {
  it(`no file in lib/ is over ${MAX_FILE_LINES} lines`, () => {
    const long = sources('lib').flatMap((f) => {
      const n = lineCount(readFileSync(join(ROOT, f), 'utf8'));
      return n > MAX_FILE_LINES ? [`${f} (${n} lines)`] : [];
    });
    expect(long).toEqual([]);
  });

  it(`no function is over ${MAX_FUNCTION_LINES} lines but the codec's fast paths`, () => {
    const long = ['lib', 'functions', 'cdk'].flatMap(sources).flatMap(longFunctions);
    expect(long.filter((f) => !LONG_FUNCTIONS_ALLOWED.some((a) => f.startsWith(`${a} `)))).toEqual([]);
  });
});
