"""tcp-check.py SRC DST PORT: 64 KiB from SRC to DST's echo server and back, unchanged; exit 0 if so."""
import os
import socket
import sys

src, dst, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
payload = os.urandom(65536)
with socket.create_connection((dst, port), timeout=5, source_address=(src, 0)) as connection:
    connection.sendall(payload)
    connection.shutdown(socket.SHUT_WR)
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
print(f"{src} -> {dst}: {len(received)} of {len(payload)} bytes back")
sys.exit(0 if received == payload else 1)
