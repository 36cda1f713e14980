#!/bin/sh
# Lays out the root file system of Weft's OCI image in $1 (Jib adds it as extra directories on top
# of `scratch`, since no JDK base image can be pulled here): a jlink'd Java runtime of the JDK that
# runs the build (25+) in /opt/java, the glibc it links against (the build machine's Debian
# libc6: ld-linux, libc, libm, libdl, libpthread, librt), a
# world-writable /tmp (sqlite-jdbc unpacks its native library there) and an /etc/passwd naming the
# unprivileged user 65532 the image runs as. Jib adds the classes and jars in /app.
set -eu
out=$1
jdk=$2
rm -rf "$out"
mkdir -p "$out/tmp" "$out/etc" "$out/lib64" "$out/lib/x86_64-linux-gnu" \
  "$out/var/lib/weft-control" "$out/var/lib/weft-relay" "$out/proc" "$out/dev"
"$jdk/bin/jlink" --add-modules java.base,java.logging,java.sql,java.naming,java.net.http,java.management,java.xml,java.desktop,java.security.jgss,jdk.unsupported,jdk.crypto.cryptoki,jdk.zipfs \
  --strip-debug --no-man-pages --no-header-files --output "$out/opt/java"
for lib in libc.so.6 libm.so.6 libdl.so.2 libpthread.so.0 librt.so.1; do
  cp -L "/lib/x86_64-linux-gnu/$lib" "$out/lib/x86_64-linux-gnu/$lib"
done
cp -L /lib64/ld-linux-x86-64.so.2 "$out/lib64/ld-linux-x86-64.so.2"
printf 'root:x:0:0:root:/root:/sbin/nologin\nweft:x:65532:65532:weft:/var/lib/weft-control:/sbin/nologin\n' > "$out/etc/passwd"
printf 'root:x:0:\nweft:x:65532:\n' > "$out/etc/group"
