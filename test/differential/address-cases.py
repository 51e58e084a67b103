"""Random cases for the address rules, answered by Python's ipaddress: an implementation independent of ours.

Usage: address-cases.py SEED COUNT. Prints one JSON document of cases with the expected answers.
"""
import ipaddress
import json
import random
import sys

seed, count = int(sys.argv[1]), int(sys.argv[2])
rnd = random.Random(seed)
RFC1918 = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]
# Edges worth probing: the first and last address of every special-purpose block, and their neighbours.
NOTABLE = [ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
    "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
    "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32", "172.17.0.0/16")]
# ipaddress counts these as global; the gateway rule refuses them too (IETF protocol block, 6to4 relay, multicast).
ALSO_NOT_A_GATEWAY = [ipaddress.ip_network(n) for n in ("192.0.0.0/24", "192.88.99.0/24")]


def address():
    if rnd.random() < 0.5:
        return ipaddress.IPv4Address(rnd.getrandbits(32))
    net = rnd.choice(NOTABLE)
    edge = int(rnd.choice([net.network_address, net.broadcast_address])) + rnd.choice([-1, 0, 1])
    return ipaddress.IPv4Address(edge % 2**32)


def spelled(ip):
    """Mostly as written by ipaddress; sometimes with a leading zero on one number."""
    octets = str(ip).split(".")
    if rnd.random() < 0.15:
        i = rnd.randrange(4)
        octets[i] = "0" + octets[i]
    return ".".join(octets)


def parses(text, parse):
    try:
        return parse(text)
    except ValueError:
        return None


gateways = []
for _ in range(count):
    text = spelled(address())
    ip = parses(text, ipaddress.IPv4Address)
    public = ip is not None and ip.is_global and not ip.is_multicast and not any(ip in n for n in ALSO_NOT_A_GATEWAY)
    gateways.append({"text": text, "valid": ip is not None, "public": public})

cidrs = []
for _ in range(count):
    if rnd.random() < 0.5:
        # inside a private block, with a prefix around the block's own, so both sides of the rule come up
        block = rnd.choice(RFC1918)
        ip = block.network_address + rnd.randrange(block.num_addresses)
        prefix = min(32, max(0, block.prefixlen + rnd.randint(-3, 16)))
        if rnd.random() < 0.5:
            ip = ipaddress.ip_network((ip, prefix), strict=False).network_address
        text = f"{spelled(ip)}/{prefix}"
    else:
        text = f"{spelled(address())}/{rnd.randint(0, 32)}"
    strict = parses(text, lambda t: ipaddress.ip_network(t, strict=True))
    loose = parses(text, lambda t: ipaddress.ip_network(t, strict=False))
    private = strict is not None and any(strict.subnet_of(block) for block in RFC1918)
    cidrs.append({
        "text": text,
        "valid": loose is not None,
        "hostBits": loose is not None and strict is None,
        "network": None if loose is None else str(loose),
        "networkIsPrivate": loose is not None and any(loose.subnet_of(block) for block in RFC1918),
        "private": private,
    })

lists = []
for _ in range(count):
    # A small pool of networks in 10.0.0.0/8, so that repeats, nesting and neighbours all happen often.
    items = []
    for _ in range(rnd.randint(2, 12)):
        prefix = rnd.randint(8, 14)
        net = ipaddress.ip_network((int(ipaddress.IPv4Address("10.0.0.0")) + (rnd.randrange(64) << 18), prefix), strict=False)
        items.append(str(net))
    nets = [ipaddress.ip_network(t) for t in items]
    repeated = sorted({t for t in items if items.count(t) > 1})
    overlapping = sorted({str(a) for a in nets for b in nets if a != b and a.overlaps(b)})
    lists.append({"items": items, "repeated": repeated, "overlapping": overlapping})

json.dump({"gateways": gateways, "cidrs": cidrs, "lists": lists}, sys.stdout)
