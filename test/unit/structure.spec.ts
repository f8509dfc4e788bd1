import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The write path's shape, checked on the sources: src/application/ is the only code that loads,
 * decides and appends; a controller parses the request, calls one application function and
 * shapes the answer. A controller that reaches past the application fails here.
 */

const root = path.resolve(import.meta.dirname, '../..');
const filesUnder = (dir: string): string[] =>
  readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? filesUnder(path.join(dir, d.name)) : d.name.endsWith('.ts') ? [path.join(dir, d.name)] : [],
  );
const controllers = filesUnder('src/http/controllers');
const source = (file: string) => readFileSync(path.join(root, file), 'utf8');
const imports = (file: string) =>
  [...source(file).matchAll(/^import (type )?[^;]*? from '([^']+)';/gms)].map((m) => ({ typeOnly: !!m[1], from: m[2]! }));

/** The body lines of each public method, from the line after its signature's `{` to its closing brace. */
function methodBodies(file: string): { name: string; lines: number }[] {
  const lines = source(file).split('\n');
  const bodies: { name: string; lines: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const name = /^ {2}public (?:async )?(\w+)\(/.exec(lines[i]!)?.[1];
    if (!name) continue;
    let open = i;
    while (!lines[open]!.trimEnd().endsWith('{')) open++;
    let close = open + 1;
    while (lines[close] !== '  }') close++;
    bodies.push({ name, lines: close - open - 1 });
    i = close;
  }
  return bodies;
}

describe('the write path, as the sources show it', () => {
  it('when the controllers are read, there are some', () => {
    expect(controllers.length).toBeGreaterThan(15);
  });

  it('when a controller imports, it takes nothing of the event store, the database, a decider or the command core', () => {
    const forbidden = /\/eventstore\/|\/decider\.js$|^pg$|\/db\/|@mikro-orm|\/application\/command\.js$|\/application\/deps\.js$/;
    const offending = controllers.flatMap((file) => imports(file).flatMap((i) => (forbidden.test(i.from) ? [`${file}: ${i.from}`] : [])));
    expect(offending).toEqual([]);
  });

  it('when a controller uses a read model, it is only for the type of an answer the application gave', () => {
    const valueImports = controllers.flatMap((file) =>
      imports(file).flatMap((i) => (i.from.includes('/projections/') && !i.typeOnly ? [`${file}: ${i.from}`] : [])),
    );
    expect(valueImports).toEqual([]);
  });

  it('when a controller is declared, it extends ApiController, so every write answers through written() and every read through shown()', () => {
    const classes = controllers.flatMap((file) =>
      [...source(file).matchAll(/export class (\w+) extends (\w+)/g)].map((m) => `${m[1]} extends ${m[2]}`),
    );
    expect(classes.length).toBe(controllers.length);
    expect(classes.filter((c) => !c.endsWith('extends ApiController'))).toEqual([]);
  });

  it('when a controller method is read, its body is short: parse, one call, shape the answer', () => {
    const long = controllers.flatMap((file) =>
      methodBodies(file).flatMap((m) => (m.lines > 15 ? [`${file} ${m.name}: ${m.lines} lines`] : [])),
    );
    expect(controllers.flatMap(methodBodies).length).toBeGreaterThan(60);
    expect(long).toEqual([]);
  });

  it('when anything outside the application layer and the store adapters appends to the event store, it is found here', () => {
    const appends = filesUnder('src')
      .filter((f) => !f.startsWith('src/eventstore/') && f !== 'src/application/command.ts')
      .flatMap((file) => (/\bstore\.append\(|\.append\(\s*streamId/.test(source(file)) ? [file] : []));
    expect(appends).toEqual([]);
  });
});
