#!/usr/bin/env bash
# Builds the root filesystem of the coldtier base image, offline: a jlink'd Java 25 runtime plus the
# host's glibc/libstdc++ libraries that the JVM and the JNI libraries in coldtier's jars need.
# Registry images cannot be pulled on the build machines (stack-notes.md Q8), so the base is made here
# and packed by Jib from `scratch` (deploy/base/pom.xml).
#
# Usage: make-rootfs.sh JAVA_HOME RUNTIME_CLASSPATH_FILE OUT_DIR
#   JAVA_HOME               a JDK >= 25 with a linkable run-time image (Temurin 25 has one; no jmods needed)
#   RUNTIME_CLASSPATH_FILE  cli/target/runtime-classpath.txt: the jars whose JNI .so files need libraries
#   OUT_DIR                 created afresh: OUT_DIR/rootfs is the image's filesystem
set -euo pipefail
jdk=${1:?JAVA_HOME}; cp_file=${2:?runtime classpath file}; out=${3:?output dir}
rootfs=$out/rootfs

# Modules: `jdeps --print-module-deps --ignore-missing-deps --multi-release 25` over the CLI jar and its
# runtime classpath, plus what is only reached by reflection or service loading: java.management and
# jdk.management (Micrometer's JVM/process meters, Kafka's JMX metrics), jdk.crypto.cryptoki-free TLS is
# not needed (PLAINTEXT), jdk.zipfs (jar-in-jar access), jdk.naming.dns (Kafka's DNS lookups).
modules=java.base,java.compiler,java.desktop,java.logging,java.management,java.naming,java.rmi,java.scripting
modules+=,java.security.jgss,java.security.sasl,java.sql,java.xml,jdk.httpserver,jdk.management,jdk.unsupported
modules+=,jdk.zipfs,jdk.naming.dns,jdk.jfr

rm -rf "$out"
mkdir -p "$out"
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
    --compress=zip-6 --output "$rootfs/opt/java"

# Every shared library the JVM and the JNI libraries load, resolved on this host by ldd.
tmp=$out/jni
mkdir -p "$tmp"
tr ':' '\n' < "$cp_file" | grep -E 'rocksdbjni|lz4-java|zstd-jni|snappy-java' | while read -r jar; do
    unzip -Z1 "$jar" | grep -E '(linux/amd64|Linux/x86_64|linux64)[^/]*\.so$|^librocksdbjni-linux64\.so$' \
        | grep -vi musl | while read -r so; do unzip -o -q "$jar" "$so" -d "$tmp"; done || true
done
{
    # AWT's X11 and sound back ends are never loaded (headless; java.desktop is there for java.beans).
    find "$rootfs/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' -o -name jspawnhelper \) \
        ! -name 'libawt_xawt.so' ! -name 'libjawt.so' ! -name 'libjsound.so' ! -name 'libsplashscreen.so'
    find "$tmp" -type f -name '*.so'
} | while read -r f; do ldd "$f" 2>/dev/null || true; done \
  | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\/.*ld-linux/ {print $1}' \
  | grep -v "^$out/" | sort -u > "$out/libs.txt"
while read -r lib; do
    mkdir -p "$rootfs$(dirname "$lib")"
    cp -L "$lib" "$rootfs$lib"
done < "$out/libs.txt"
rm -rf "$tmp"

# The bits of a distribution the JVM, glibc and RocksDB expect: a sticky /tmp (RocksDB and the other
# JNI jars unpack their .so there), name service order for `broker`-style hostnames, a root user.
mkdir -p "$rootfs/tmp" "$rootfs/etc" "$rootfs/var/lib/coldtier" "$rootfs/run/coldtier" "$rootfs/config"
printf 'hosts: files dns\n' > "$rootfs/etc/nsswitch.conf"
printf 'root:x:0:0:root:/root:/sbin/nologin\n' > "$rootfs/etc/passwd"
printf 'root:x:0:\n' > "$rootfs/etc/group"
echo "rootfs: $(du -sh "$rootfs" | cut -f1) ($(wc -l < "$out/libs.txt") host libraries: $(xargs -n1 basename < "$out/libs.txt" | tr '\n' ' '))"
