#!/bin/sh
# Installs the weft .deb into a throw-away copy of this machine's Debian (an overlay over /, in a
# private mount namespace: run as `unshare --mount --fork sh THIS DEB WORKDIR`) and exercises it:
# dpkg -i (twice: the second is the upgrade path, postinst must be idempotent), weft version,
# the coordination server and the relay started as their units start them (user weft) on loopback,
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
echo "STEP serve"
# The coordination server as the unit starts it (user weft, data in /var/lib/weft-control, which
# systemd's StateDirectory= would create), on a free loopback port, until it answers /key.
in_root install -d -o weft -g weft -m 0700 /var/lib/weft-control
# UMask=0077 as in the unit.
(umask 077 && exec chroot "$r" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin setpriv --reuid=weft \
  --regid=weft --init-groups /usr/bin/weft control serve --data-dir /var/lib/weft-control \
  --listen 127.0.0.1:0 >"$work/serve.log" 2>&1) &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
i=0
until grep -q "admin API at" "$work/serve.log"; do
  i=$((i + 1))
  if [ "$i" -gt 600 ] || ! kill -0 "$pid" 2>/dev/null; then
    cat "$work/serve.log"
    echo "serve did not start"
    exit 4
  fi
  sleep 0.1
done
addr=$(sed -n 's/^weft control: listening on \([0-9.]*:[0-9]*\),.*/\1/p' "$work/serve.log")
in_root curl -fsS "http://$addr/key" | head -c 300 | sed 's/^/key: /'
echo
in_root sh -c 'cd /var/lib/weft-control && stat -c "%U %a %n" *'
kill -TERM "$pid"
wait "$pid" || true
echo "serve stopped"
echo "STEP relay"
# The relay as its unit starts it (user weft), on a free loopback port, until it says it serves.
in_root install -d -o weft -g weft -m 0700 /var/lib/weft-relay
(umask 077 && exec chroot "$r" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin setpriv --reuid=weft \
  --regid=weft --init-groups /usr/bin/weft relay serve --listen 127.0.0.1:0 \
  --key-file /var/lib/weft-relay/relay.key >"$work/relay.log" 2>&1) &
pid=$!
i=0
until grep -q " serving " "$work/relay.log"; do
  i=$((i + 1))
  if [ "$i" -gt 600 ] || ! kill -0 "$pid" 2>/dev/null; then
    cat "$work/relay.log"
    echo "relay did not start"
    exit 5
  fi
  sleep 0.1
done
grep " serving " "$work/relay.log"
in_root stat -c "%U %a %n" /var/lib/weft-relay/relay.key
kill -TERM "$pid"
wait "$pid" || true
echo "relay stopped"
echo "STEP user"
in_root getent passwd weft
echo "STEP reinstall"
echo 'WEFT_CONTROL_OPTS="--listen 127.0.0.1:9999" # local edit' >>"$r/etc/default/weft-control"
in_root dpkg -i /tmp/weft.deb </dev/null
grep -q "# local edit" "$r/etc/default/weft-control" && echo "local edit kept"
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
