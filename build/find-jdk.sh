# Sourced by ./mvnw and ./jdax: sets JAVA_HOME to a JDK >= 22, or prints one line and returns 1.
# Order: $JAVA_HOME when it is recent enough, then the newest JDK under /usr/lib/jvm, then the
# java on PATH.
jdax_java_feature() { # $1 = a JDK home; prints its feature version (e.g. 25) or nothing
  local rel="$1/release" v
  [ -x "$1/bin/java" ] || return 0
  if [ -f "$rel" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$rel")
  else
    v=$("$1/bin/java" -version 2>&1 | sed -n '1s/.*version "\([0-9]*\).*/\1/p')
  fi
  echo "$v"
}

jdax_find_jdk() {
  local need=22 best="" bestv=0 d v
  if [ -n "${JAVA_HOME:-}" ]; then
    v=$(jdax_java_feature "$JAVA_HOME")
    if [ -n "$v" ] && [ "$v" -ge "$need" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
      return 0
    fi
  fi
  for d in /usr/lib/jvm/*/; do
    d=${d%/}
    [ -x "$d/bin/javac" ] || continue
    v=$(jdax_java_feature "$d")
    if [ -n "$v" ] && [ "$v" -gt "$bestv" ]; then best=$d; bestv=$v; fi
  done
  if [ "$bestv" -lt "$need" ] && command -v javac >/dev/null 2>&1; then
    d=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    v=$(jdax_java_feature "$d")
    if [ -n "$v" ] && [ "$v" -gt "$bestv" ]; then best=$d; bestv=$v; fi
  fi
  if [ "$bestv" -lt "$need" ]; then
    echo "jdax: no JDK $need or later found (JAVA_HOME=${JAVA_HOME:-unset}, /usr/lib/jvm, PATH; newest seen: ${bestv:-none}); install one, e.g. Temurin 25, and set JAVA_HOME" >&2
    return 1
  fi
  export JAVA_HOME=$best
}
