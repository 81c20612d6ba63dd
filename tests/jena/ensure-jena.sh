#!/bin/sh
# Makes sure the Apache Jena jars that tests/jena/JenaShacl.java needs are present (Debian's
# libapache-jena-java; Maven Central is out of reach, Debian is not). Installs the package when
# run as root with apt-get, else says how; exits 0 when the jars are there.
set -eu

here="$(cd "$(dirname "$0")" && pwd)"
java_dir="${JENA_JAVA_DIR:-/usr/share/java}"

missing_jars() {
    sed -e 's/#.*//' -e 's/[[:space:]]//g' "$here/jena-jars.txt" | grep -v '^$' | while read -r name; do
        [ -f "$java_dir/$name.jar" ] || echo "$java_dir/$name.jar"
    done
}

if [ -n "$(missing_jars)" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-jena: installing libapache-jena-java with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >&2
    apt-get install -y --no-install-recommends libapache-jena-java >&2
fi

missing="$(missing_jars)"
if [ -n "$missing" ]; then
    echo "ensure-jena: Jena jars missing:" >&2
    echo "$missing" | sed 's/^/  /' >&2
    echo "Install them as root: apt-get update && apt-get install -y --no-install-recommends libapache-jena-java" >&2
    exit 1
fi
