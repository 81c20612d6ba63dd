#!/bin/sh
# Makes sure the OWL API jars OwlProfileCheck.java needs are present (Debian's
# libowlapi-java 5.1.20; Maven Central is out of reach, Debian is not).
# POSIX sh, so `sh ensure-owlapi.sh` works as well as running it directly.
#   ensure-owlapi.sh              install if missing (root + apt-get), else explain; exit 0 when ready
#   ensure-owlapi.sh --classpath  same, then print the classpath (colon-separated) on stdout
#   ensure-owlapi.sh --check      only check; exit 1 if anything is missing, never install
set -eu

here="$(cd "$(dirname "$0")" && pwd)"
java_dir="${OWLAPI_JAVA_DIR:-/usr/share/java}"
mode="${1:-}"

jar_names() { sed -e 's/#.*//' -e 's/[[:space:]]//g' "$here/owlapi-jars.txt" | grep -v '^$'; }

missing_jars() {
    for name in $(jar_names); do
        [ -f "$java_dir/$name.jar" ] || echo "$java_dir/$name.jar"
    done
}

if [ -n "$(missing_jars)" ] && [ "$mode" != "--check" ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "ensure-owlapi: installing libowlapi-java with apt-get" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update >&2
        apt-get install -y --no-install-recommends libowlapi-java >&2
    fi
fi

missing="$(missing_jars)"
if [ -n "$missing" ]; then
    {
        echo "ensure-owlapi: OWL API jars missing:"
        echo "$missing" | sed 's/^/  /'
        echo "Install them (Debian/Ubuntu) as root:"
        echo "  apt-get update && apt-get install -y --no-install-recommends libowlapi-java"
        echo "or point OWLAPI_JAVA_DIR at a folder holding these jars."
    } >&2
    exit 1
fi
# Single-file source launch compiles in memory: it needs a JDK (jdk.compiler), not just a JRE.
if ! command -v java >/dev/null 2>&1 || ! java --list-modules 2>/dev/null | grep -q '^jdk\.compiler@'; then
    echo "ensure-owlapi: need 'java' from a JDK 11+ on PATH (apt-get install -y default-jdk-headless)" >&2
    exit 1
fi

if [ "$mode" = "--classpath" ]; then
    jar_names | sed "s|^|$java_dir/|; s|\$|.jar|" | paste -sd: -
fi
