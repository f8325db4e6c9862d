# Sourced by ./mvnw, ./coldtier and .ci/run: point JAVA_HOME at a JDK >= 25.
# The machine's default `java` is 17; coldtier needs the FFM API as finalised in 22+ and is built
# and tested on 25, so we look for one ourselves instead of trusting PATH.

coldtier_java_major() { # $1 = JAVA_HOME candidate; prints the feature release number or nothing
  [ -x "$1/bin/java" ] || return 0
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

coldtier_select_jdk() {
  local c v
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-2[5-9]* \
           /usr/lib/jvm/java-2[5-9]* /usr/lib/jvm/jdk-2[5-9]* /usr/lib/jvm/*; do
    [ -n "$c" ] || continue
    v=$(coldtier_java_major "$c")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then
      export JAVA_HOME="$c"
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  echo "coldtier: no JDK >= 25 found (looked at \$JAVA_HOME and /usr/lib/jvm/*)." >&2
  echo "coldtier: install Temurin 25 or set JAVA_HOME to a JDK 25+." >&2
  return 1
}
