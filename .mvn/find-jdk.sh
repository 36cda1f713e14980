# Sourced (POSIX sh) by ./mvnw, ./weft and .ci/run: exports JAVA_HOME for a JDK 25 or newer.
# Order: $JAVA_HOME, the java on PATH, then /usr/lib/jvm/* (Temurin's packages and tarballs go to
# /usr/lib/jvm/temurin-25-*). Says what to install if none is found. `weft_find_jdk jre` accepts a
# runtime without javac (what /usr/bin/weft of the .deb needs; the .deb installs this file too).
weft_java_major() { # $1 = a java binary; prints its feature version, or nothing
  "$1" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}
weft_find_jdk() {
  _weft_tool=javac
  [ "${1:-}" = jre ] && _weft_tool=java
  _weft_on_path=""
  if command -v java >/dev/null 2>&1; then
    _weft_on_path=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
  fi
  set +f # the caller may run with noglob (mvnw does)
  for _weft_c in "${JAVA_HOME:-}" "$_weft_on_path" /usr/lib/jvm/*; do
    [ -n "$_weft_c" ] && [ -x "$_weft_c/bin/java" ] && [ -x "$_weft_c/bin/$_weft_tool" ] || continue
    _weft_major=$(weft_java_major "$_weft_c/bin/java")
    if [ -n "$_weft_major" ] && [ "$_weft_major" -ge 25 ]; then
      JAVA_HOME="$_weft_c"
      export JAVA_HOME
      return 0
    fi
  done
  echo "weft: no JDK 25 or newer found (looked at \$JAVA_HOME, the java on PATH and /usr/lib/jvm/*)." >&2
  echo "weft: install one (for example Eclipse Temurin 25: temurin-25-jdk) or point JAVA_HOME at it." >&2
  return 1
}
