import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/*
 * What docker/Dockerfile copies against what the code imports, without building the image (no
 * engine here; `podman build` is how it was verified, docs/operations.md): the build stage must
 * copy every file `npm run build` compiles or imports, and the runtime stage must hold every file
 * and package the compiled service and its CLIs import, with no dev dependency among them.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const dockerfile = readFileSync(path.join(ROOT, 'docker/Dockerfile'), 'utf8');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** The sources of each stage's COPY instructions, by stage name. */
function copies(): Map<string, { from: string | undefined; sources: string[] }[]> {
  const stages = new Map<string, { from: string | undefined; sources: string[] }[]>();
  let stage: { from: string | undefined; sources: string[] }[] = [];
  for (const line of dockerfile.split('\n').map((l) => l.trim())) {
    const from = /^FROM\s+\S+\s+AS\s+(\S+)/i.exec(line);
    if (from) stages.set(from[1]!, (stage = []));
    if (!/^COPY\s/i.test(line)) continue;
    const words = line.split(/\s+/).slice(1);
    const flags = words.filter((w) => w.startsWith('--'));
    const args = words.filter((w) => !w.startsWith('--'));
    const source = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
    stage.push({ from: source, sources: args.slice(0, -1) });
  }
  return stages;
}

/** The files `file` imports at run time (relative: resolved to their source; packages: by name). Type-only imports are erased by tsc and left out. */
function importsOf(file: string): { files: string[]; packages: string[] } {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const specifiers: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier)) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteral(arg)) specifiers.push(arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  const files: string[] = [];
  const packages: string[] = [];
  for (const s of specifiers) {
    if (s.startsWith('.')) {
      const target = path.resolve(path.dirname(file), s);
      const candidates = [target.replace(/\.js$/, '.ts'), target];
      const found = candidates.find((c) => existsSync(c));
      if (!found) throw new Error(`${path.relative(ROOT, file)} imports ${s}, which is not there`);
      files.push(found);
    } else if (!isBuiltin(s)) {
      packages.push(s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!);
    }
  }
  return { files, packages };
}

/** Every file reached from `roots` through run-time imports, and every package they import. */
function graph(roots: string[]): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const todo = [...roots];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    if (!/\.[cm]?ts$/.test(file)) continue; // JSON
    const found = importsOf(file);
    todo.push(...found.files);
    for (const p of found.packages) packages.add(p);
  }
  return { files, packages };
}

const under = (file: string, dirs: string[]) => dirs.some((d) => path.relative(path.join(ROOT, d), file).split(path.sep)[0] !== '..');
const relative = (files: Iterable<string>) => [...files].map((f) => path.relative(ROOT, f)).sort();

describe('docker/Dockerfile', () => {
  it('the build stage copies every file `npm run build` compiles and everything those files import', () => {
    const build = copies().get('build')!;
    const copied = build.filter((c) => c.from === undefined).flatMap((c) => c.sources);
    const config = ts.readConfigFile(path.join(ROOT, 'tsconfig.build.json'), (f) => ts.sys.readFile(f));
    const compiled = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT).fileNames;
    expect(compiled.length).toBeGreaterThan(100);
    const { files } = graph(compiled.map((f) => path.resolve(f)));
    expect(relative([...files].filter((f) => !under(f, copied)))).toEqual([]);
  });

  it('the runtime stage holds every file and package the compiled service and its CLIs import, and no dev dependency among them', () => {
    const runtime = copies().get('runtime')!;
    // COPY --from=build /app/dist/src ./dist/src: the compiled form of src/.
    const held = runtime.filter((c) => c.from === 'build').flatMap((c) => c.sources.map((s) => s.replace(/^\/app\/dist\//, '')));
    expect(held).toContain('src');
    const cli = path.join(ROOT, 'src/cli');
    const entries = [
      path.join(ROOT, 'src/main.ts'),
      path.join(ROOT, 'src/background.ts'), // the background thread: started as a worker by its URL, not imported
      ...['migrate', 'seed', 'token', 'verify-chain', 'backup'].map((c) => path.join(cli, `${c}.ts`)),
    ];
    const { files, packages } = graph(entries);
    expect(relative([...files].filter((f) => !under(f, held)))).toEqual([]);
    // Installed with --omit=dev: a package the service imports at run time must be a dependency.
    expect([...packages].filter((p) => !(p in pkg.dependencies)).sort()).toEqual([]);
    // Every CLI the Dockerfile's comments name is one of those checked here.
    const named = [...dockerfile.matchAll(/node dist\/src\/cli\/([\w-]+)\.js/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(0);
    for (const c of named) expect(entries).toContain(path.join(cli, `${c}.ts`));
  });

  // Debian's archive for the base image's release, as this machine's apt knows it (bookworm machines only).
  const release = /^ARG NODE_IMAGE=\S+-(\w+)-slim$/m.exec(dockerfile)?.[1];
  const codename = existsSync('/etc/os-release')
    ? /^VERSION_CODENAME=(\w+)/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1]
    : undefined;
  const apt = spawnSync('apt-cache', ['--version']).status === 0;
  it.runIf(apt && release !== undefined && release === codename)(
    "every Debian package version it pins exists in the base image's release",
    () => {
      // The words of each `apt-get install` (continuation lines joined) that pin a version: name=version.
      const installs = [...dockerfile.replace(/\\\n/g, ' ').matchAll(/apt-get install([^&\n]*)/g)].map((m) => m[1]!);
      const pins = installs.flatMap((i) => i.split(/\s+/).filter((w) => !w.startsWith('-') && w.includes('='))).map((w) => w.split('='));
      expect(pins.map(([name]) => name)).toContain('tini');
      for (const [name, version] of pins) {
        // apt-cache madison: one line per version the archive has, `name | version | source`.
        const known = spawnSync('apt-cache', ['madison', name!], { encoding: 'utf8' })
          .stdout.split('\n')
          .map((l) => l.split('|')[1]?.trim());
        expect(known, `${name}=${version}`).toContain(version);
      }
    },
  );
});
