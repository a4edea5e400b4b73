// Generates the program client (src/generated) from the program's IDL with Codama.
//
//   node scripts/generate.mjs           rewrite src/generated from ../../idl/edgerun.json
//   node scripts/generate.mjs --check   fail if src/generated is not what the IDL generates now
//                                       (scripts/test.sh runs this in CI, like `scripts/idl.sh --check`)
//
// The same as `codama run js` with a codama.json naming the IDL and `@codama/renderers-js`, without
// the Codama CLI (its command-line parser needs Node 22; this needs only the libraries).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { rootNodeFromAnchor } from '@codama/nodes-from-anchor';
import { renderVisitor } from '@codama/renderers-js';
import { createFromRoot } from 'codama';

const packageFolder = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const idlPath = resolve(packageFolder, '../../idl/edgerun.json');
const generatedFolder = 'src/generated';

const mode = process.argv[2] ?? 'write';
if (mode !== 'write' && mode !== '--check') {
    console.error('usage: node scripts/generate.mjs [--check]');
    process.exit(2);
}

async function render(folder) {
    const idl = JSON.parse(readFileSync(idlPath, 'utf8'));
    const codama = createFromRoot(rootNodeFromAnchor(idl));
    await codama.accept(
        renderVisitor(folder, {
            generatedFolder,
            // package.json is ours: its versions are pinned by package-lock.json.
            syncPackageJson: false,
            kitImportStrategy: 'rootOnly',
        }),
    );
}

if (mode === 'write') {
    await render(packageFolder);
    console.error(`wrote ${join('clients/js', generatedFolder)} from idl/edgerun.json`);
} else {
    const scratch = mkdtempSync(join(tmpdir(), 'edgerun-codama-'));
    try {
        await render(scratch);
        try {
            execFileSync('diff', ['-ru', join(packageFolder, generatedFolder), join(scratch, generatedFolder)], {
                stdio: ['ignore', 'pipe', 'pipe'],
            });
        } catch (error) {
            process.stderr.write(String(error.stdout ?? '').split('\n').slice(0, 80).join('\n'));
            console.error('\nclients/js/src/generated is not what idl/edgerun.json generates now.');
            console.error('Regenerate it, review and commit it:  (cd clients/js && npm run generate) && git diff clients/js');
            process.exit(1);
        }
        console.error('clients/js/src/generated matches idl/edgerun.json');
    } finally {
        rmSync(scratch, { recursive: true, force: true });
    }
}
