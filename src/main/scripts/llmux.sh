#!/usr/bin/env bash
# Launcher for the LLMux fat jar: `bin/llmux --config config/config.yaml`. Finds a Java >= 21 the way the
# Makefile does (LLMUX_JAVA, JAVA_HOME, the newest /usr/lib/jvm/*, java on PATH).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jar="${LLMUX_JAR:-$here/../target/llmux.jar}"
[ -f "$jar" ] || { echo "llmux: $jar not found; run 'make build' first" >&2; exit 1; }

major() { "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | cut -d. -f1; }
ok() { [ -x "$1" ] && [ "$(major "$1")" -ge 21 ] 2>/dev/null; }

java=""
for c in "${LLMUX_JAVA:-}" "${JAVA_HOME:+$JAVA_HOME/bin/java}"; do
  if [ -n "$c" ] && ok "$c"; then java="$c"; break; fi
done
if [ -z "$java" ]; then
  best=0
  for d in /usr/lib/jvm/*; do
    c="$d/bin/java"
    if ok "$c"; then v="$(major "$c")"; if [ "$v" -gt "$best" ]; then best="$v"; java="$c"; fi; fi
  done
fi
if [ -z "$java" ] && command -v java >/dev/null && ok "$(command -v java)"; then java="$(command -v java)"; fi
[ -n "$java" ] || { echo "llmux: no Java 21 or newer found (set JAVA_HOME or LLMUX_JAVA)" >&2; exit 1; }

exec "$java" ${LLMUX_JAVA_OPTS:-} -jar "$jar" "$@"
