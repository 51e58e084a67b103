"""probe.py SRC DST PORT OUT: every 0.1 s a new TCP connection from SRC echoes a few bytes through DST; each answer
within 0.5 s is a JSON line {"t": unix time} in OUT. Gaps between lines are the outages users see."""
import json
import socket
import sys
import time

src, dst, port, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
with open(out, "a", buffering=1) as log:
    while True:
        started = time.time()
        try:
            with socket.create_connection((dst, port), timeout=0.5, source_address=(src, 0)) as connection:
                connection.sendall(b"probe")
                if connection.recv(16) == b"probe":
                    log.write(json.dumps({"t": time.time()}) + "\n")
        except OSError:
            pass
        time.sleep(max(0.0, 0.1 - (time.time() - started)))
