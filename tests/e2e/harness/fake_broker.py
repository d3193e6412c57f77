#!/usr/bin/python3
# A stand-in for `sluice broker` that only answers ApiVersions v0, for testing the harness itself.
#
# Accepts the same command line (`broker --override listeners=PLAINTEXT://h:p --override
# log.dirs=d ...`), logs to stderr, exits 0 on SIGTERM. FAKE_BROKER_IGNORE_TERM=1 makes it
# ignore SIGTERM (to test the harness's SIGKILL fallback).
import os
import signal
import socket
import struct
import sys
import threading


def main() -> int:
    args = sys.argv[1:]
    if not args or args[0] != "broker":
        print("usage: fake_broker.py broker --override k=v ...", file=sys.stderr)
        return 2
    overrides = {}
    it = iter(args[1:])
    for a in it:
        if a == "--override":
            k, _, v = next(it).partition("=")
            overrides[k] = v
    host_port = overrides["listeners"].split("://", 1)[1]
    host, port = host_port.rsplit(":", 1)
    os.makedirs(overrides["log.dirs"], exist_ok=True)

    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        srv.bind((host, int(port)))
    except OSError as e:
        print(f"fake broker: bind {host_port}: {e}", file=sys.stderr, flush=True)
        return 1
    srv.listen(16)
    print(f"fake broker listening on {host_port}", file=sys.stderr, flush=True)

    stopping = threading.Event()

    def on_term(signum, frame):
        print("fake broker: SIGTERM, shutting down cleanly", file=sys.stderr, flush=True)
        stopping.set()
        srv.close()

    if os.environ.get("FAKE_BROKER_IGNORE_TERM"):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    else:
        signal.signal(signal.SIGTERM, on_term)

    def serve(conn: socket.socket) -> None:
        with conn:
            while True:
                hdr = conn.recv(4, socket.MSG_WAITALL)
                if len(hdr) < 4:
                    return
                (size,) = struct.unpack(">i", hdr)
                body = conn.recv(size, socket.MSG_WAITALL)
                key, ver, corr = struct.unpack(">hhi", body[:8])
                if key != 18:
                    return
                resp = struct.pack(">ihi", corr, 0, 1) + struct.pack(">hhh", 18, 0, 3)
                conn.sendall(struct.pack(">i", len(resp)) + resp)

    while not stopping.is_set():
        try:
            conn, _ = srv.accept()
        except OSError:
            break
        threading.Thread(target=serve, args=(conn,), daemon=True).start()
    return 0


if __name__ == "__main__":
    sys.exit(main())
