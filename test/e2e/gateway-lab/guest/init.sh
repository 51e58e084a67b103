#!/bin/sh
# PID 1 of Debian's kernel in the lab's virtual machine, booted on the host's own root (read-only): mounts what a
# system needs, loads the IPsec modules, runs one lab scenario with the run folder (the 9p share "labrun") mounted
# read-write at /mnt, then powers off. Everything the scenario leaves is in the run folder; nothing outlives the machine.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t tmpfs tmpfs /run
# the host's /tmp stays visible (read-only), where the test wrote the generated files; scratch space is /var/tmp
mount -t tmpfs tmpfs /var/tmp
export TMPDIR=/var/tmp
# /mnt, not /run or /tmp: each side of the lab mounts a /run of its own over the kernel's
mount -t 9p -o trans=virtio,version=9p2000.L labrun /mnt || { echo "cannot mount the run folder" >&2; poweroff -f; }
exec >/mnt/guest.log 2>&1

for module in xfrm_user esp4 ip_vti veth authenc echainiv seqiv cbc hmac; do
  modprobe "$module" || echo "init: modprobe $module failed"
done
ip link set lo up

bash "$(dirname "$0")/lab.sh" /mnt
echo "$?" > /mnt/exit-code
sync
poweroff -f
