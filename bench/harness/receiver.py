"""A loopback HTTP receiver that stamps each request's arrival with time.time().

Run as its own process (`/usr/bin/python3 receiver.py PORTFILE LOGFILE`) so nothing in the
harness (its threads, the GIL) can delay a stamp: one thread, one selector, non-blocking
sockets, keep-alive. Each complete request is one JSON line in LOGFILE, flushed at once:
{"t": arrival of the whole request, "t0": its first byte, "path": ..., "body": ...}.
It listens on 127.0.0.1 only and ends on SIGTERM.
"""

import json
import os
import selectors
import signal
import socket
import sys
import time

REPLY = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n"
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
MAX_REQUEST = 1 << 20


class Conn:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.first = None
        self.continued = False


def main() -> int:
    port_file, log_file = sys.argv[1], sys.argv[2]
    log = open(log_file, "a", buffering=1)
    running = [True]

    def stop(*_):
        running[0] = False

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    listener.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ, None)
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(listener.getsockname()[1]))
    os.rename(tmp, port_file)

    def close(conn):
        try:
            sel.unregister(conn.sock)
        except Exception:
            pass
        conn.sock.close()

    while running[0]:
        try:
            events = sel.select(timeout=0.5)
        except InterruptedError:
            continue
        for key, _ in events:
            if key.data is None:
                try:
                    sock, _ = listener.accept()
                except (BlockingIOError, InterruptedError):
                    continue
                sock.setblocking(False)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sel.register(sock, selectors.EVENT_READ, Conn(sock))
                continue
            conn = key.data
            try:
                chunk = conn.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                close(conn)
                continue
            now = time.time()
            if not chunk:
                close(conn)
                continue
            if conn.first is None:
                conn.first = now
            conn.buf += chunk
            if len(conn.buf) > MAX_REQUEST:
                close(conn)
                continue
            # Every complete request in the buffer (a client may pipeline).
            while True:
                head_end = conn.buf.find(b"\r\n\r\n")
                if head_end < 0:
                    break
                head = conn.buf[:head_end].decode("latin-1")
                lines = head.split("\r\n")
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0") or 0)
                if len(conn.buf) < head_end + 4 + length:
                    if headers.get("expect", "").lower() == "100-continue" and not conn.continued:
                        conn.continued = True
                        try:
                            conn.sock.sendall(CONTINUE)
                        except OSError:
                            close(conn)
                    break
                body = conn.buf[head_end + 4:head_end + 4 + length]
                conn.buf = conn.buf[head_end + 4 + length:]
                parts = lines[0].split(" ")
                path = parts[1] if len(parts) > 1 else ""
                record = {"t": now, "t0": conn.first, "path": path,
                          "body": body.decode("utf-8", "replace")}
                conn.first = now if conn.buf else None
                conn.continued = False
                log.write(json.dumps(record) + "\n")
                try:
                    conn.sock.sendall(REPLY)
                except OSError:
                    close(conn)
                    break
                if headers.get("connection", "").lower() == "close":
                    close(conn)
                    break
    for key in list(sel.get_map().values()):
        try:
            key.fileobj.close()
        except Exception:
            pass
    log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
