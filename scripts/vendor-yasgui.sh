#!/bin/sh
# Rebuilds server/seckg/web/assets/vendor/yasgui/ from the npm package @zazuko/yasgui, so the query
# editor is served by the app itself and works without internet. The version is pinned exactly in
# scripts/yasgui/package.json and package-lock.json; the built files are committed.
#   scripts/vendor-yasgui.sh            reinstall the pinned version (npm ci) and copy its build
#   scripts/vendor-yasgui.sh 4.7.0      pin another version (updates the lock file), then copy
# Needs node and npm (Debian: apt-get install -y npm). Package install scripts are not run.
set -eu

root="$(cd "$(dirname "$0")/.." && pwd)"
pin="$root/scripts/yasgui"
target="$root/server/seckg/web/assets/vendor/yasgui"

cd "$pin"
if [ $# -gt 0 ]; then
    npm install --ignore-scripts --no-audit --no-fund --save-exact "@zazuko/yasgui@$1"
else
    npm ci --ignore-scripts --no-audit --no-fund
fi
version="$(node -p 'require("@zazuko/yasgui/package.json").version')"
build="$pin/node_modules/@zazuko/yasgui/build"

rm -rf "$target"
mkdir -p "$target"
cp "$build/yasgui.min.js" "$build/yasgui.min.css" "$target/"
echo "$version" > "$target/VERSION"

# The bundle contains YASGUI's own packages and their dependencies: keep every licence with it.
# @zazuko packages declare MIT in package.json but ship no licence file, so their notice is written
# from package.json and followed by the MIT terms.
{
    echo "Licences of the software in yasgui.min.js and yasgui.min.css (@zazuko/yasgui $version)."
    echo "Collected by scripts/vendor-yasgui.sh from the installed npm packages."
    npm ls --all --omit=dev --parseable | tail -n +2 | sort -u | while read -r dir; do
        name="$(node -p "require('$dir/package.json').name")"
        ver="$(node -p "require('$dir/package.json').version")"
        declared="$(node -p "const p = require('$dir/package.json'); p.license || (p.licenses || []).map(l => l.type).join(' OR ') || 'not declared'")"
        echo
        echo "================================================================================"
        echo "$name $ver — licence: $declared"
        echo "================================================================================"
        files="$(find "$dir" -maxdepth 1 -type f \( -iname 'licen[cs]e*' -o -iname 'copying*' \) | sort)"
        if [ -n "$files" ]; then
            for file in $files; do cat "$file"; echo; done
        else
            node -p "const p = require('$dir/package.json'); [p.author && ('Author: ' + (p.author.name || p.author)), p.contributors && ('Contributors: ' + p.contributors.map(c => c.name || c).join(', ')), p.repository && ('Source: ' + (p.repository.url || p.repository))].filter(Boolean).join('\n')"
            if [ "$declared" = "MIT" ]; then
                cat "$root/scripts/yasgui/MIT-TERMS.txt"
            fi
        fi
    done
} > "$target/LICENSES.txt"

ls -l "$target"
