#!/usr/bin/env python3
"""Writes the results of bench/compare.sh: a Markdown table, a PNG plot and the raw runs as JSON
lines. Input: the work directory compare.sh filled (machine.json, versions.txt, limits.json,
runs.tsv, json/<run>.json written by `sluice bench --json` and the peer clients)."""
import argparse
import csv
import json
import os

SYSTEMS = [
    ("sluice-acksall", "Sluice acks=all (fsync)"),
    ("sluice-acks1", "Sluice acks=1"),
    ("redis", "Redis Streams (AOF everysec)"),
    ("nats", "NATS JetStream (file)"),
]
LABEL = dict(SYSTEMS)
WORKLOADS = [
    ("produce-100b", "produce 100 B"),
    ("consume-100b", "consume 100 B"),
    ("produce-1kb", "produce 1 KB"),
    ("consume-1kb", "consume 1 KB"),
]
E2E = [("e2e-5k", "5k msg/s"), ("e2e-50pct", "50% of Sluice max")]


def load(work):
    runs = {}
    with open(os.path.join(work, "runs.tsv")) as f:
        for row in csv.DictReader(f, delimiter="\t"):
            path = os.path.join(work, "json", row["name"] + ".json")
            res = {}
            if os.path.exists(path):
                try:
                    with open(path) as jf:
                        text = jf.read().strip()
                    try:
                        res = json.loads(text)
                    except ValueError:  # several objects: the last line
                        res = json.loads(text.splitlines()[-1])
                except (ValueError, IndexError):
                    res = {}
            row["result"] = res
            runs[(row["system"], row["workload"])] = row
    return runs


def fnum(x, digits=0):
    if x is None:
        return "—"
    if digits == 0:
        return f"{x:,.0f}"
    return f"{x:,.{digits}f}"


def fms(x):
    if x is None:
        return "—"
    return f"{x:.2f}" if x < 10 else f"{x:.0f}" if x >= 100 else f"{x:.1f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--date", required=True)
    ap.add_argument("--md", required=True)
    ap.add_argument("--png", required=True)
    ap.add_argument("--jsonl", required=True)
    a = ap.parse_args()
    w = a.work
    machine = json.load(open(os.path.join(w, "machine.json")))
    limits = json.load(open(os.path.join(w, "limits.json"))) if os.path.exists(os.path.join(w, "limits.json")) else {}
    versions = dict(line.strip().split("=", 1) for line in open(os.path.join(w, "versions.txt")) if "=" in line)
    rate50 = int(open(os.path.join(w, "rate50")).read().strip()) if os.path.exists(os.path.join(w, "rate50")) else 0
    duration = open(os.path.join(w, "duration_s")).read().strip() if os.path.exists(os.path.join(w, "duration_s")) else "?"
    runs = load(w)
    cores = machine.get("cores") or 1

    def res(system, workload):
        return runs.get((system, workload), {}).get("result", {})

    def ok(system, workload):
        r = runs.get((system, workload))
        return r is not None and r["rc"] == "0" and r["result"].get("complete", False)

    def rate(system, workload):
        r = res(system, workload)
        kind = "produce" if workload.startswith(("produce", "e2e")) else "consume"
        return r.get(f"{kind}_msgs_per_s"), r.get(f"{kind}_mb_per_s")

    def fetch_rate(system, workload):
        """Consume only: Kafka's consumer-perf-test fetch.nMsg.sec / fetch.MB.sec, i.e. from the first
        record received to the last (the whole-run rate also counts client start-up: metadata,
        connection, first fetch)."""
        if not workload.startswith("consume"):
            return None, None
        r = res(system, workload)
        return r.get("fetch_msgs_per_s"), r.get("fetch_mb_per_s")

    def cpu(system, workload):
        r = runs.get((system, workload))
        if not r:
            return None, None
        wall = float(r["client_wall_s"] or 0) or None
        if not wall:
            return None, None
        return float(r["server_cpu_s"]) / wall, (float(r["client_user_s"]) + float(r["client_sys_s"])) / wall

    tcp = limits.get("tcp_loopback_mb_s")
    dsync = limits.get("disk_write_fsync_mb_s")
    dnosync = limits.get("disk_write_nofsync_mb_s")

    def limit_for(system, workload):
        if workload.startswith("consume"):
            return tcp, "TCP"
        if system == "sluice-acksall":
            cands = [(v, n) for v, n in ((dsync, "disk+fsync"), (tcp, "TCP")) if v]
        else:
            cands = [(v, n) for v, n in ((dnosync, "disk"), (tcp, "TCP")) if v]
        return min(cands) if cands else (None, "")

    L = []
    quick = machine.get("quick")
    L.append(f"# Side-by-side benchmark — {a.date}{' (quick smoke run: reduced counts)' if quick else ''}")
    L.append("")
    L.append("Written by `bench/compare.sh`" + (" --quick" if quick else "") + f" (whole run {duration} s). "
             "All servers and clients on this machine over loopback (127.0.0.1), one producer and one "
             "consumer connection per run, a topic of 6 partitions (Redis: 6 stream keys; NATS: one "
             "stream with 6 subjects).")
    L.append("")
    L.append("## Machine")
    L.append("")
    L.append(f"* CPU: {machine.get('cpu')}, {cores} cores; RAM {machine.get('ram_mib', 0) / 1024:.1f} GiB")
    L.append(f"* disk: `{machine.get('disk')}`, data on {machine.get('fs')}")
    L.append(f"* OS: {machine.get('os')}, kernel {machine.get('kernel')}")
    lb, la = machine.get("load_before", []), machine.get("load_after", [])
    L.append(f"* load average (1/5/15 min) before: {' '.join(lb)}; after: {' '.join(la)}. The machine is "
             "shared with compile jobs: the `load1` column of the raw runs (`.jsonl`) gives the load at the "
             "start of each run; numbers are lower bounds when it was above 0.5.")
    top = machine.get("top_before", "").replace("\n", "; ")
    if top:
        L.append(f"* busiest processes before the run (%CPU command): {top}")
    L.append(f"* Sluice `{versions.get('sluice', '?')}`, binary `{machine.get('sluice_bin')}` "
             f"(CMAKE_BUILD_TYPE={machine.get('sluice_build_type') or '?'}), client `sluice bench` on "
             f"librdkafka {versions.get('librdkafka', '?')} (linger.ms=5; e2e runs linger.ms=0 as Kafka's EndToEndLatency)")
    L.append(f"* Redis {versions.get('redis', '?')} (client hiredis {versions.get('hiredis', '?')}); "
             f"nats-server {versions.get('nats-server', '?')} (client nats.c {versions.get('nats.c', '?')}); "
             f"iperf3 {versions.get('iperf3', '?')}")
    L.append("")
    L.append("## Physical limits")
    L.append("")
    L.append("| measurement | value |")
    L.append("|---|---|")
    if dnosync:
        L.append(f"| disk sequential write, 1 MiB writes, no fsync (page cache) | {fnum(dnosync)} MB/s |")
    if dsync:
        L.append(f"| disk sequential write, 1 MiB writes + one fdatasync at the end | {fnum(dsync)} MB/s |")
    if "fsync_per_s" in limits:
        L.append(f"| append 100 B + fdatasync loop (one file) | {fnum(limits['fsync_per_s'])} fsyncs/s "
                 f"(p50 {limits['fsync_p50_ms']:.2f} ms, p99 {limits['fsync_p99_ms']:.2f} ms) |")
    if tcp:
        L.append(f"| loopback TCP, iperf3, 1 stream | {fnum(tcp)} MB/s |")
    L.append("")
    L.append("MB = 2^20 bytes of record values (as in Kafka's perf tools). The disk files were written in "
             "the same filesystem as the servers' data directories.")
    L.append("")
    L.append("## Throughput")
    L.append("")
    L.append("Produce latency: from the client's send call to the broker's acknowledgement (librdkafka "
             "delivery report; Redis: XADD reply in a pipeline of ≤ 1000; NATS: async publish ack, ≤ 1000 "
             "pending). *÷ limit*: MB/s over the tightest physical limit for that path (produce acks=all: "
             "min(disk+fsync, TCP); other produce: min(disk without fsync, TCP); consume: TCP). "
             "*CPU*: cores busy during the run (server process, client process); the machine has "
             f"{cores}. *msgs/s*, *MB/s*: the whole run (from before the client starts to the last "
             "record). *fetch rate* (consume only): from the first record received to the last, what "
             "Kafka's kafka-consumer-perf-test reports as fetch.nMsg.sec / fetch.MB.sec; the whole-run "
             "rate of a short consume run also contains the client's start-up (Sluice/librdkafka: "
             "metadata, connection, ListOffsets, first fetch; *first record* column).")
    L.append("")
    L.append("| workload | system | msgs/s | MB/s | fetch rate msgs/s / MB/s | first record ms | "
             "latency p50 / p99 ms | ÷ limit | ÷ Sluice acks=all | CPU server / client | status |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for wk, wlabel in WORKLOADS:
        base = rate("sluice-acksall", wk)[0]
        for sys_, slabel in SYSTEMS:
            if (sys_, wk) not in runs:
                continue
            msgs, mb = rate(sys_, wk)
            fmsgs, fmb = fetch_rate(sys_, wk)
            r = res(sys_, wk)
            fetch_s = f"{fnum(fmsgs)} / {fnum(fmb, 1)}" if fmsgs else "—"
            first_s = fms(r.get("first_record_ms")) if wk.startswith("consume") else "—"
            lat = r.get("delivery_latency_ms")
            lat_s = f"{fms(lat['p50'])} / {fms(lat['p99'])}" if lat and lat.get("count") else "—"
            lim, lname = limit_for(sys_, wk)
            ratio_lim = f"{mb / lim:.2f} of {lname}" if mb and lim else "—"
            if fmb and lim:
                ratio_lim += f" (fetch rate {fmb / lim:.2f})"
            ratio_s = f"{msgs / base:.2f}" if msgs and base else "—"
            cs, cc = cpu(sys_, wk)
            cpu_s = f"{cs:.2f} / {cc:.2f}" if cs is not None else "—"
            status = "ok" if ok(sys_, wk) else ("failed: " + str(r.get("error", "exit " + runs[(sys_, wk)]["rc"])))
            L.append(f"| {wlabel} | {slabel} | {fnum(msgs)} | {fnum(mb, 1)} | {fetch_s} | {first_s} | {lat_s} | "
                     f"{ratio_lim} | "
                     f"{ratio_s} | {cpu_s} | {status} |")
    L.append("")
    L.append("## End-to-end latency")
    L.append("")
    L.append(f"100 B records at a fixed rate for the same duration on every system: 5,000 msg/s and "
             f"{rate50:,} msg/s (50% of Sluice's acks=all 100 B produce rate above). Producer and consumer "
             "in one process; each payload carries its send time (monotonic clock), the consumer measures "
             "send → receipt. Sluice: `sluice bench e2e`; Redis: XREADGROUP BLOCK; NATS: push consumer.")
    L.append("")
    L.append("| rate | system | achieved msgs/s | e2e p50 | p99 | p99.9 | max ms | produce-ack p99 ms | "
             "p99 ÷ Sluice acks=all | status |")
    L.append("|---|---|---|---|---|---|---|---|---|---|")
    for wk, wlabel in E2E:
        b = res("sluice-acksall", wk).get("e2e_latency_ms") or {}
        for sys_, slabel in SYSTEMS:
            if (sys_, wk) not in runs:
                continue
            r = res(sys_, wk)
            e = r.get("e2e_latency_ms") or {}
            d = r.get("delivery_latency_ms") or {}
            ratio = f"{e['p99'] / b['p99']:.2f}" if e.get("p99") and b.get("p99") else "—"
            status = "ok" if ok(sys_, wk) else ("failed: " + str(r.get("error", "exit " + runs[(sys_, wk)]["rc"])))
            L.append(f"| {wlabel} | {slabel} | {fnum(r.get('produce_msgs_per_s'))} | {fms(e.get('p50'))} | "
                     f"{fms(e.get('p99'))} | {fms(e.get('p999'))} | {fms(e.get('max'))} | {fms(d.get('p99'))} | "
                     f"{ratio} | {status} |")
    L.append("")

    # Targets of issue 4
    L.append("## Against the targets of issue 4 (acks=all, group-commit fsync)")
    L.append("")
    L.append("| target | measured | met |")
    L.append("|---|---|---|")

    def target(name, value, goal, higher=True, unit="", note=""):
        if value is None:
            L.append(f"| {name} | not measured | — |")
            return
        met = value >= goal if higher else value <= goal
        how = f"{value / goal:.2f}× the target" if goal else ""
        L.append(f"| {name} | {value:,.2f}{unit} ({how}{note}) | {'yes' if met else '**no**'} |")

    target("produce 100 B ≥ 1,000,000 msg/s", rate("sluice-acksall", "produce-100b")[0], 1e6, unit=" msg/s")
    target("produce 1 KB ≥ 400 MB/s", rate("sluice-acksall", "produce-1kb")[1], 400, unit=" MB/s")
    whole_1k = rate("sluice-acksall", "consume-1kb")[1]
    target("consume 1 KB ≥ 700 MB/s (fetch rate: first record to last, Kafka's fetch.MB.sec)",
           fetch_rate("sluice-acksall", "consume-1kb")[1], 700, unit=" MB/s",
           note=f"; whole run incl. client start-up {fnum(whole_1k, 1)} MB/s" if whole_1k else "")
    for peer, goal in (("redis", 4), ("nats", 6)):
        for wk, wlabel in WORKLOADS:
            s, p = rate("sluice-acksall", wk)[0], rate(peer, wk)[0]
            fs, fp = fetch_rate("sluice-acksall", wk)[0], fetch_rate(peer, wk)[0]
            note = f"; fetch rates: {fs / fp:.2f}×" if fs and fp else ""
            target(f"{wlabel}: ≥ {goal}× {LABEL[peer]}" + (" (whole-run msgs/s)" if fs else ""),
                   s / p if s and p else None, goal, unit="×", note=note)
    e = res("sluice-acksall", "e2e-5k").get("e2e_latency_ms") or {}
    target("e2e p99 ≤ 2 ms at 5k msg/s", e.get("p99"), 2, higher=False, unit=" ms")
    target("e2e p99.9 ≤ 5 ms at 5k msg/s", e.get("p999"), 5, higher=False, unit=" ms")
    L.append("")
    L.append("## Notes")
    L.append("")
    L.append("* Durability differs: Sluice acks=all answers after the data is fdatasynced (group commit); "
             "Sluice acks=1, Redis (appendfsync everysec: the AOF is fsynced once a second) and NATS "
             "JetStream (file store, acknowledged once written, synced in the background) answer before "
             "the data is on disk. The like-for-like durability row for the peers is Sluice acks=1.")
    L.append("* Consumers commit nothing: `sluice bench consume` reads partitions without a group; Redis "
             "XREADGROUP uses NOACK (no pending-entries list); the NATS pull consumer uses AckNone.")
    L.append("* Consume runs read data written just before, from the page cache.")
    L.append("* The consume target is judged on the fetch rate (first record received to last), which is "
             "what Kafka's kafka-consumer-perf-test calls fetch.MB.sec; the whole-run MB/s (Kafka's MB.sec) "
             "is shown next to it. The ratio targets against Redis and NATS stay on whole-run msgs/s (their "
             "clients start in milliseconds), with the ratio of fetch rates beside them.")
    L.append("* Reproduce: `bench/compare.sh" + (" --quick" if quick else "") + "`; the raw results of "
             "every run are in the `.jsonl` next to this file.")
    L.append("")
    with open(a.md, "w") as f:
        f.write("\n".join(L))

    with open(a.jsonl, "w") as f:
        f.write(json.dumps({"kind": "machine", **machine, "versions": versions}) + "\n")
        f.write(json.dumps({"kind": "limits", **limits}) + "\n")
        for (sys_, wk), r in runs.items():
            f.write(json.dumps({"kind": "run", "system": sys_, "workload": wk, "name": r["name"], "rc": r["rc"],
                                "server_cpu_s": r["server_cpu_s"], "client_wall_s": r["client_wall_s"],
                                "client_user_s": r["client_user_s"], "client_sys_s": r["client_sys_s"],
                                "load1": r["load1"], "result": r["result"]}) + "\n")

    plot(a.png, a.date, runs, rate, fetch_rate, res, limits, rate50)


def plot(path, day, runs, rate, fetch_rate, res, limits, rate50):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.patches  # noqa: F401
    import matplotlib.pyplot as plt

    colors = {"sluice-acksall": "#1f77b4", "sluice-acks1": "#6baed6", "redis": "#d62728", "nats": "#2ca02c"}
    fig, axes = plt.subplots(1, 3, figsize=(18, 5.5))
    width = 0.2
    for k, (metric, title) in enumerate(((0, "msgs/s"), (1, "MB/s"))):
        ax = axes[k]
        for i, (sys_, slabel) in enumerate(SYSTEMS):
            xs, ys = [], []
            for j, (wk, _) in enumerate(WORKLOADS):
                v = rate(sys_, wk)[metric] if (sys_, wk) in runs else None
                if v:
                    xs.append(j + (i - 1.5) * width)
                    ys.append(v)
            ax.bar(xs, ys, width, label=slabel, color=colors[sys_])
            for j, (wk, _) in enumerate(WORKLOADS):  # consume: fetch rate (first to last record)
                fv = fetch_rate(sys_, wk)[metric] if (sys_, wk) in runs else None
                if fv:
                    x = j + (i - 1.5) * width
                    ax.plot([x - width / 2, x + width / 2], [fv] * 2, color="black", linewidth=2)
        ax.set_xticks(range(len(WORKLOADS)))
        ax.set_xticklabels([w[1] for w in WORKLOADS])
        ax.set_yscale("log")
        ax.set_title(f"throughput ({title}, log scale); consume: black line = fetch rate", fontsize=10)
        ax.grid(axis="y", which="both", alpha=0.3)
        if metric == 1:
            for key, name, style in (("tcp_loopback_mb_s", "TCP loopback", "--"),
                                     ("disk_write_nofsync_mb_s", "disk (page cache)", ":"),
                                     ("disk_write_fsync_mb_s", "disk + fsync", "-.")):
                if limits.get(key):
                    ax.axhline(limits[key], color="gray", linestyle=style, linewidth=1)
                    ax.text(len(WORKLOADS) - 0.5, limits[key], f" {name}", va="bottom", ha="right",
                            fontsize=8, color="gray")
    ax = axes[2]
    for i, (sys_, slabel) in enumerate(SYSTEMS):
        for j, (wk, _) in enumerate(E2E):
            e = res(sys_, wk).get("e2e_latency_ms") or {}
            if not e.get("count"):
                continue
            x = j + (i - 1.5) * width
            ax.bar(x, e["p99"], width, color=colors[sys_])
            ax.plot([x - width / 2, x + width / 2], [e["p50"]] * 2, color="black", linewidth=2)
    ax.set_xticks(range(len(E2E)))
    ax.set_xticklabels(["5,000 msg/s", f"{rate50:,} msg/s (50% of Sluice max)"])
    ax.set_yscale("log")
    ax.set_ylabel("ms")
    ax.set_title("end-to-end latency, 100 B: bar = p99, black line = p50")
    ax.grid(axis="y", which="both", alpha=0.3)
    fig.suptitle(f"Sluice vs Redis Streams vs NATS JetStream — {day}, bench/compare.sh")
    handles = [matplotlib.patches.Patch(color=colors[s], label=l) for s, l in SYSTEMS]
    fig.legend(handles=handles, loc="lower center", ncol=len(SYSTEMS), fontsize=9)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
