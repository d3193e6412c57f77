#!/usr/bin/python3
"""Helper of bench/connections.sh: produce latency with and without many idle client connections.

  connections.py run --bootstrap H:P --broker-pid PID --sluice BIN [--http-port P]
                     [--connections 10000] [--records 50000] [--rate 5000] [--rounds 3]
                     [--json-dir DIR]

Against a running broker, --rounds times: runs `sluice bench produce` (acks=all, fixed rate) with
no extra connections, opens --connections raw sockets that each complete one ApiVersions v0
request (so the broker really accepted and serves them) and then stay idle, runs the same bench
while they are open, checks a sample of them still answer, closes them.
Broker RSS (/proc/PID/status VmRSS), descriptors (/proc/PID/fd), CPU time and, with --http-port,
its own connection count (/v1/status) are taken at each step. Prints one JSON object on stdout,
progress on stderr. Every socket operation and subprocess is bounded by a timeout.
"""
import argparse
import json
import os
import resource
import socket
import struct
import subprocess
import sys
import time
import urllib.request

API_VERSIONS = 18


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def raise_own_fd_limit(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    if soft < need:
        raise SystemExit(f"connections.py: RLIMIT_NOFILE hard limit {hard} < {need} needed")
    return soft


# -- the wire: ApiVersions v0 (request header v1, response header v0) ---------------------------

def api_versions_request(correlation_id):
    client_id = b"sluice-idle"
    body = struct.pack(">hhih", API_VERSIONS, 0, correlation_id, len(client_id)) + client_id
    return struct.pack(">i", len(body)) + body


def recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("broker closed the connection")
        buf += chunk
    return bytes(buf)


def read_api_versions_response(sock, correlation_id):
    (size,) = struct.unpack(">i", recv_exact(sock, 4))
    body = recv_exact(sock, size)
    corr, err = struct.unpack(">ih", body[:6])
    if corr != correlation_id or err != 0:
        raise ConnectionError(f"bad ApiVersions answer: correlation {corr} (want {correlation_id}), "
                              f"error {err}")


def open_idle(host, port, n, batch=250, timeout=20.0):
    """n sockets, each answered one ApiVersions v0; pipelined a batch at a time."""
    socks = []
    t0 = time.monotonic()
    for start in range(0, n, batch):
        group = []
        for i in range(start, min(n, start + batch)):
            s = socket.create_connection((host, port), timeout=timeout)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.sendall(api_versions_request(i))
            group.append((i, s))
        for i, s in group:
            read_api_versions_response(s, i)
            socks.append(s)
    return socks, time.monotonic() - t0


def check_sample(socks, k, timeout=20.0):
    """Sends ApiVersions on k sockets spread over all of them; returns how many answered."""
    step = max(1, len(socks) // k)
    sample = socks[::step][:k]
    for j, s in enumerate(sample):
        s.settimeout(timeout)
        s.sendall(api_versions_request(1_000_000 + j))
    ok = 0
    for j, s in enumerate(sample):
        read_api_versions_response(s, 1_000_000 + j)
        ok += 1
    return ok


# -- the broker process --------------------------------------------------------------------------

def broker_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def broker_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def broker_cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def broker_connections(http_port):
    if not http_port:
        return None
    with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/v1/status", timeout=10) as r:
        status = json.load(r)
    # connections_open is nested under the stats object; find it wherever it is.
    def find(o):
        if isinstance(o, dict):
            for k, v in o.items():
                if k == "connections_open":
                    return v
                got = find(v)
                if got is not None:
                    return got
        return None
    return find(status)


def snapshot(args, label):
    snap = {"label": label, "rss_mb": round(broker_rss_mb(args.broker_pid), 1),
            "fds": broker_fds(args.broker_pid), "cpu_s": broker_cpu_s(args.broker_pid),
            "broker_connections": broker_connections(args.http_port)}
    log(f"{label}: RSS {snap['rss_mb']} MB, {snap['fds']} fds, "
        f"broker connections {snap['broker_connections']}")
    return snap


def idle_cpu(args, seconds):
    """Broker CPU seconds used over `seconds` of wall time with no traffic of ours."""
    c0 = broker_cpu_s(args.broker_pid)
    time.sleep(seconds)
    return round(broker_cpu_s(args.broker_pid) - c0, 3)


def run_bench(args, label):
    out = os.path.join(args.json_dir, f"{label}.json")
    cmd = [args.sluice, "bench", "produce", "-b", args.bootstrap, "--topic", args.topic,
           "--partitions", "1", "--acks", "all", "--linger-ms", "0",
           "--num-records", str(args.records), "--record-size", str(args.record_size),
           "--throughput", str(args.rate), "--reporting-interval", "100000", "--json", out]
    log(f"{label}: {' '.join(cmd)}")
    budget = args.records / max(1, args.rate) + 60
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=budget)
    if p.returncode != 0:
        raise SystemExit(f"connections.py: bench {label} failed ({p.returncode}):\n{p.stdout}{p.stderr}")
    with open(out) as f:
        res = json.load(f)
    lat = res["delivery_latency_ms"]
    log(f"{label}: {res['produce_msgs_per_s']:.0f} msgs/s, latency p50 {lat['p50']:.2f} "
        f"p99 {lat['p99']:.2f} p99.9 {lat['p999']:.2f} max {lat['max']:.2f} ms")
    return {"label": label, "produced": res["produced"], "failed": res["failed"],
            "msgs_per_s": res["produce_msgs_per_s"], "latency_ms": lat}


def wait_connections(args, at_most, timeout=30.0):
    deadline = time.monotonic() + timeout
    n = broker_connections(args.http_port)
    while n is not None and n > at_most and time.monotonic() < deadline:
        time.sleep(0.1)
        n = broker_connections(args.http_port)
    return n


def cmd_run(args):
    raise_own_fd_limit(args.connections + 256)
    host, port = args.bootstrap.rsplit(":", 1)
    port = int(port)
    os.makedirs(args.json_dir, exist_ok=True)
    result = {"config": {k: v for k, v in vars(args).items() if k != "func"}, "snapshots": [],
              "bench": [], "open_seconds": [], "sample_answered": 0, "sample_size": 0}

    # Warm up: creates the topic, faults in the produce path, so the first measured run is not
    # the one that pays for it.
    warm = argparse.Namespace(**vars(args))
    warm.records = min(args.records, 5000)
    run_bench(warm, "warmup")
    time.sleep(1)
    # Rounds alternate without/with, so each pair runs close in time on a machine whose load
    # drifts; the idle sockets are opened afresh every round.
    for rnd in range(1, args.rounds + 1):
        result["snapshots"].append(snapshot(args, f"round {rnd}: no idle connections"))
        if rnd == 1:
            result["idle_cpu_s_before"] = idle_cpu(args, args.idle_seconds)
        result["bench"].append(run_bench(args, f"without-{rnd}"))
        log(f"opening {args.connections} idle connections")
        socks, secs = open_idle(host, port, args.connections)
        result["open_seconds"].append(round(secs, 2))
        log(f"opened {len(socks)} in {secs:.1f} s")
        try:
            time.sleep(2)
            result["snapshots"].append(snapshot(args, f"round {rnd}: {len(socks)} idle connections"))
            if rnd == 1:
                result["idle_cpu_s_with"] = idle_cpu(args, args.idle_seconds)
            result["bench"].append(run_bench(args, f"with-{rnd}"))
            answered = check_sample(socks, args.sample)
            result["sample_answered"] += answered
            result["sample_size"] += min(args.sample, len(socks))
            log(f"{answered} of {min(args.sample, len(socks))} sampled idle connections answered")
            result["snapshots"].append(snapshot(args, f"round {rnd}: {len(socks)} idle connections after the run"))
        finally:
            for s in socks:
                s.close()
        result["connections_after_close"] = wait_connections(args, at_most=0)
        time.sleep(1)
    result["snapshots"].append(snapshot(args, "after closing them"))
    print(json.dumps(result, indent=1))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--bootstrap", required=True)
    r.add_argument("--broker-pid", type=int, required=True)
    r.add_argument("--sluice", required=True)
    r.add_argument("--http-port", type=int, default=0)
    r.add_argument("--connections", type=int, default=10000)
    r.add_argument("--records", type=int, default=50000)
    r.add_argument("--record-size", type=int, default=100)
    r.add_argument("--rate", type=int, default=5000)
    r.add_argument("--topic", default="conn-bench")
    r.add_argument("--sample", type=int, default=500)
    r.add_argument("--idle-seconds", type=float, default=5.0)
    r.add_argument("--rounds", type=int, default=3)
    r.add_argument("--json-dir", default="/tmp")
    r.set_defaults(func=cmd_run)
    args = ap.parse_args()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
