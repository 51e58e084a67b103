"""transfer-server.py PORT: the space's file server. A client sends one line, "download N" or "upload N": for a
download it gets N bytes; for an upload it sends N bytes and gets back the SHA-256 of what arrived, as a line."""
import hashlib
import socketserver
import sys

from transfer_pattern import CHUNK, chunks


class Transfer(socketserver.StreamRequestHandler):
    def handle(self):
        verb, size = self.rfile.readline().decode().split()
        size = int(size)
        if verb == "download":
            for chunk in chunks(size):
                self.wfile.write(chunk)
            return
        received = hashlib.sha256()
        while size > 0 and (data := self.rfile.read(min(size, CHUNK))):
            received.update(data)
            size -= len(data)
        self.wfile.write((received.hexdigest() + "\n").encode())


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


Server(("0.0.0.0", int(sys.argv[1])), Transfer).serve_forever()
