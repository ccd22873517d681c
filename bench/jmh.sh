#!/usr/bin/env bash
# Runs the JMH microbenchmarks (src/jmh/java). Arguments go to JMH, e.g.
#   bench/jmh.sh                       # every benchmark
#   bench/jmh.sh PolicyDecision -prof gc
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
cd "$here"
mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/jmh.classpath >&2
exec java --enable-native-access=ALL-UNNAMED -cp "target/test-classes:target/classes:$(cat target/jmh.classpath)" \
  org.openjdk.jmh.Main "$@"
