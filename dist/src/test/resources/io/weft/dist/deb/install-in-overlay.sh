#!/bin/sh
# Installs the weft .deb into a throw-away copy of this machine's Debian (an overlay over /, in a
# private mount namespace: run as `unshare --mount --fork sh THIS DEB WORKDIR`) and exercises it:
# dpkg -i (twice: the second is the upgrade path, postinst must be idempotent), weft version,
# the weft user, systemd-analyze verify on the installed units, dpkg --purge. Nothing reaches the
# real root: every write goes to a tmpfs that goes away with the namespace.
set -eu
deb=$1
work=$2
mount --make-rprivate /
mount -t tmpfs -o size=512m weft-deb-test "$work"
mkdir "$work/upper" "$work/work" "$work/root"
mount -t overlay weft-deb-test -o "lowerdir=/,upperdir=$work/upper,workdir=$work/work" "$work/root"
r="$work/root"
mount --rbind /proc "$r/proc"
mount --rbind /sys "$r/sys"
mount --rbind /dev "$r/dev"
mount -t tmpfs tmpfs "$r/run"
mount -t tmpfs tmpfs "$r/tmp"
cp "$deb" "$r/tmp/weft.deb"
in_root() { chroot "$r" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
if in_root dpkg-query -W weft >/dev/null 2>&1; then
  echo "STEP already-installed: weft is installed on this machine; the overlay starts from it" >&2
  exit 3
fi
echo "STEP install"
in_root dpkg -i /tmp/weft.deb
echo "STEP version"
in_root weft version
echo "STEP user"
in_root getent passwd weft
echo "STEP reinstall"
in_root dpkg -i /tmp/weft.deb
in_root getent passwd weft | wc -l | sed 's/^/users named weft: /'
echo "STEP conffiles"
in_root dpkg-query -W -f='${Conffiles}\n' weft
echo "STEP verify"
in_root systemd-analyze verify /lib/systemd/system/weft.service \
  /lib/systemd/system/weft-control.service /lib/systemd/system/weft-relay.service
echo "verify exit 0"
echo "STEP security"
for u in weft weft-control weft-relay; do
  in_root systemd-analyze security --offline=yes "/lib/systemd/system/$u.service" 2>&1 | tail -n 1 \
    | sed "s/^/$u: /" || true
done
echo "STEP purge"
in_root dpkg --purge weft
if in_root getent passwd weft >/dev/null; then echo "weft user still there"; fi
if [ -e "$r/usr/bin/weft" ]; then echo "/usr/bin/weft still there"; fi
echo "STEP done"
