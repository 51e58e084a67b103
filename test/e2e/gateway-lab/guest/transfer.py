"""transfer.py SRC DST PORT download|upload BYTES TIMEOUT: moves BYTES between SRC (empty: the address the kernel
picks) and the space's file server at DST, and prints the result as JSON object members: "ok" and "seconds", and when
it did not complete, "bytes" (how far it got) and "error". Gives up TIMEOUT seconds after it started."""
import hashlib
import json
import socket
import sys
import time

from transfer_pattern import CHUNK, chunks, digest

src, dst, port, direction = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
size, timeout = int(sys.argv[5]), float(sys.argv[6])
started = time.time()
moved = 0


def time_left():
    left = timeout - (time.time() - started)
    if left <= 0:
        raise TimeoutError(f"not done after {timeout:g} s")
    return left


try:
    with socket.create_connection((dst, port), timeout=timeout, source_address=(src, 0) if src else None) as connection:
        connection.sendall(f"{direction} {size}\n".encode())
        if direction == "download":
            received = hashlib.sha256()
            while moved < size:
                connection.settimeout(time_left())
                data = connection.recv(CHUNK)
                if not data:
                    raise ConnectionError("the server closed the connection early")
                received.update(data)
                moved += len(data)
            ok = received.hexdigest() == digest(size)
        else:
            for chunk in chunks(size):
                connection.settimeout(time_left())
                connection.sendall(chunk)
                moved += len(chunk)
            connection.settimeout(time_left())
            ok = connection.makefile().readline().strip() == digest(size)
    result = {"ok": ok, "seconds": round(time.time() - started, 2)}
except OSError as error:
    result = {"ok": False, "seconds": None, "bytes": moved, "error": str(error) or type(error).__name__}
print(json.dumps(result)[1:-1])
