#!/bin/sh
# PID 1 of a User-Mode Linux kernel booted on the host's own root (read-only): mounts what a system needs, loads the
# IPsec modules, runs one lab scenario with the run folder (LAB_RUN, from the kernel command line) mounted read-write
# at /lab, then powers off. Everything the scenario leaves is in the run folder; nothing outlives the kernel.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t tmpfs tmpfs /run
# the host's /tmp stays visible (read-only), where the test wrote the generated files; scratch space is /var/tmp
mount -t tmpfs tmpfs /var/tmp
export TMPDIR=/var/tmp
# /mnt, not /run or /tmp: each side of the lab mounts a /run of its own over the kernel's
mount -t hostfs none /mnt -o "$LAB_RUN" || { echo "cannot mount $LAB_RUN" >&2; halt -f; }
exec >/mnt/guest.log 2>&1

# modprobe looks in /lib/modules/<version>, which the host does not have: point it, and the kernel's own module
# requests (crypto algorithms, netfilter tables), at the UML package's modules
mkdir -p /var/tmp/modules/lib/modules
ln -s "/usr/lib/uml/modules/$(uname -r)" "/var/tmp/modules/lib/modules/$(uname -r)"
printf '#!/bin/sh\nexec /usr/sbin/modprobe -d /var/tmp/modules "$@"\n' > /var/tmp/modprobe
chmod +x /var/tmp/modprobe
echo /var/tmp/modprobe > /proc/sys/kernel/modprobe
for module in xfrm_user esp4 ip_vti veth authenc echainiv seqiv cbc hmac iptable_filter; do
  /var/tmp/modprobe "$module" || echo "init: modprobe $module failed"
done
ip link set lo up

bash "$(dirname "$0")/lab.sh" /mnt
echo "$?" > /mnt/exit-code
sync
halt -f
