#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""summarize.py RAWDIR - the tables of bench/run.sh (see bench/README.md).

Definitions (the method of the project's performance baselines):
  TCP 1-stream   median over the single-stream runs, receiver side, Gbit/s
  TCP -P4        one run with 4 parallel streams, receiver side
  UDP 64 B       datagrams received by the iperf3 server per second (sent - lost)
  added RTT      median ping over the tunnel minus over the underlay, same run
  CPU s/GB       utime+stime of all the system's daemons (both hosts, including
                 a root or supernode) during the single-stream runs, per 1e9
                 bytes received
  idle RSS       VmRSS of one host's daemon (mean of A and B) after the tunnel
                 came up, before any load
  binary         the daemon's executable, stripped (libraries not counted)
Each value also as a ratio to the best peer in this run (higher is better for
throughput and pps, lower for the rest).
"""
import json
import os
import re
import statistics
import sys

CLK_TCK = os.sysconf("SC_CLK_TCK")
ZT = ["zt", "zt_rules", "zt_1thread", "zt_2thread", "zt_nooffload"]
PEERS = ["wireguard_go", "tinc", "fastd", "n2n", "nebula"]
ORDER = ["veth"] + ZT + PEERS


def load_json(p):
    try:
        with open(p) as f:
            return json.load(f)
    except Exception:
        return None


def cpu_file(p):
    out = {}
    try:
        for line in open(p):
            f = line.split()
            if len(f) >= 3 and f[1] != "dead":
                out[f[0]] = (int(f[1]), int(f[2]))
    except FileNotFoundError:
        pass
    return out


def ping(p):
    try:
        t = open(p).read()
    except FileNotFoundError:
        return None
    # the median of the replies: one scheduling hiccup of a shared 2-core
    # machine moves an average of 200 pings by more than the differences
    # between the systems
    v = sorted(float(x) for x in re.findall(r"time=([\d.]+) ms", t))
    if not v:
        return None
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def tcp_runs(d, prefix):
    """[(Gbit/s)], bytes, daemon cpu s, machine cpu s over prefix1..N runs"""
    rates, byts, dcpu, mcpu = [], 0, 0.0, 0.0
    i = 1
    while os.path.exists(os.path.join(d, f"{prefix}{i}.json")):
        j = load_json(os.path.join(d, f"{prefix}{i}.json"))
        if j and "end" in j and "sum_received" in j["end"]:
            s = j["end"]["sum_received"]
            rates.append(s["bits_per_second"] / 1e9)
            byts += s["bytes"]
            b = cpu_file(os.path.join(d, f"cpu_{prefix}{i}.before"))
            a = cpu_file(os.path.join(d, f"cpu_{prefix}{i}.after"))
            for k in a:
                if k not in b:
                    continue
                if k == "machine":
                    mcpu += (a[k][0] - b[k][0]) / CLK_TCK
                else:
                    dcpu += (a[k][0] + a[k][1] - b[k][0] - b[k][1]) / CLK_TCK
        i += 1
    return rates, byts, dcpu, mcpu


def system(d, name):
    r = {"name": name}
    if os.path.exists(os.path.join(d, "FAILED")):
        r["failed"] = open(os.path.join(d, "FAILED")).read().strip()
    rates, byts, dcpu, mcpu = tcp_runs(d, "tcp")
    r["runs"] = rates
    r["tcp"] = statistics.median(rates) if rates else None
    gb = byts / 1e9
    r["cpu"] = dcpu / gb if gb and name != "veth" else None
    r["mcpu"] = mcpu / gb if gb else None
    j = load_json(os.path.join(d, "tcp_p4.json"))
    r["p4"] = j["end"]["sum_received"]["bits_per_second"] / 1e9 if j and "end" in j and "sum_received" in j["end"] else None
    j = load_json(os.path.join(d, "udp64.json"))
    r["udp"] = None
    if j and "end" in j and "sum" in j["end"]:
        s = j["end"]["sum"]
        secs = s.get("seconds") or (s["end"] - s["start"])
        r["udp"] = (s["packets"] - s["lost_packets"]) / secs / 1e3
        r["udp_loss"] = s["lost_percent"]
    pu, po = ping(os.path.join(d, "ping_underlay.txt")), ping(os.path.join(d, "ping_overlay.txt"))
    r["rtt"] = 0.0 if name == "veth" else (po - pu if po is not None and pu is not None else None)
    rss = []
    try:
        for line in open(os.path.join(d, "mem_idle.txt")):
            f = line.split()
            if len(f) >= 4 and f[1] == "edge":
                rss.append(int(f[2]) / 1024)
    except FileNotFoundError:
        pass
    r["rss"] = statistics.mean(rss) if rss else None
    r["bin"] = None
    try:
        for line in open(os.path.join(d, "meta.txt")):
            f = line.split()
            if f and f[0] == "binary":
                r["bin"] = int(f[2]) / 1e6
                r["binname"] = f[1]
            if f and f[0] == "date":
                r["date"] = f[1]
    except FileNotFoundError:
        pass
    return r


HIGHER = {"tcp", "p4", "udp"}


def best(rows, key):
    vals = [r[key] for r in rows if r["name"] in PEERS and r.get(key) is not None]
    if not vals:
        return None
    return max(vals) if key in HIGHER else min(vals)


def cell(r, key, spec, bests):
    v = r.get(key)
    if v is None:
        return "n/a"
    s = format(v, spec)
    b = bests.get(key)
    if r["name"] != "veth" and b:
        s += f" ({v / b:.2f}x)"
    return s


def main():
    raw = sys.argv[1]
    rows = [system(os.path.join(raw, n), n) for n in ORDER if os.path.isdir(os.path.join(raw, n))]
    keys = ["tcp", "p4", "udp", "rtt", "cpu", "rss", "bin"]
    bests = {k: best(rows, k) for k in keys}
    print("| system | TCP 1-stream Gbit/s (runs) | TCP -P4 Gbit/s | UDP 64 B rx kpps (loss) "
          "| added RTT ms | daemon CPU s/GB | idle RSS MiB/daemon | binary MB | machine CPU s/GB |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if r.get("failed") and not r["runs"]:
            print(f"| {r['name']} | FAILED: {r['failed']} ||||||||")
            continue
        runs = ", ".join(f"{x:.2f}" for x in r["runs"])
        udp = cell(r, "udp", ".0f", bests)
        if r.get("udp_loss") is not None:
            udp += f" ({r['udp_loss']:.0f}%)"
        print(f"| {r['name']} | {cell(r, 'tcp', '.2f', bests)} [{runs}] | {cell(r, 'p4', '.2f', bests)} | {udp} "
              f"| {cell(r, 'rtt', '.3f', bests)} | {cell(r, 'cpu', '.2f', bests)} | {cell(r, 'rss', '.1f', bests)} "
              f"| {cell(r, 'bin', '.2f', bests)} | {r['mcpu'] and format(r['mcpu'], '.2f') or 'n/a'} |")
    print()
    print("Best peer per column: " + ", ".join(
        f"{k} {format(bests[k], '.3f')}" for k in keys if bests[k] is not None) + ".")
    print("Ratios are zt (or peer) / best peer; for RTT, CPU, RSS and size lower is better.")

    # RTT, zt and fastd interleaved in one lab
    d = os.path.join(raw, "rtt_ab")
    under, zt, fd = (ping(os.path.join(d, f"ping_{n}.txt")) for n in ("underlay", "zt", "fastd"))
    if None not in (under, zt, fd):
        nz = len(re.findall(r"time=", open(os.path.join(d, "ping_zt.txt")).read()))
        print()
        print(f"Added RTT with zt and fastd up side by side and pinged in turn (rtt_ab, {nz} pings "
              f"each, rounds of 100): zt {zt - under:.3f} ms, fastd {fd - under:.3f} ms, "
              f"ratio {(zt - under) / (fd - under):.2f}x (underlay median {under:.3f} ms).")

    # zt alone
    d = os.path.join(raw, "zt_extra")
    extra = {}
    if os.path.isdir(d):
        rates, byts, dcpu, _ = tcp_runs(d, "relay")
        if rates:
            extra["relay"] = f"{statistics.median(rates):.2f} Gbit/s [{', '.join(f'{x:.2f}' for x in rates)}]"
            extra["relay_cpu"] = f"{dcpu / (byts / 1e9):.2f} s/GB (root + both members)"
        try:
            for line in open(os.path.join(d, "hsrate.txt")):
                f = line.split(None, 1)
                if len(f) == 2 and f[0].startswith("hs_"):
                    extra[f[0]] = f[1].strip()
        except FileNotFoundError:
            pass
    for n in ZT:
        p = os.path.join(raw, n, "zt_extra.txt")
        if os.path.exists(p):
            for line in open(p):
                f = line.split()
                if f and f[0] == "join_to_ping_ms" and "join" not in extra:
                    extra["join"] = f"{f[1]} ms"
    if extra:
        print()
        print("| zt alone | value |")
        print("|---|---|")
        labels = [("relay", "TCP 1-stream relayed through a root (median)"),
                  ("relay_cpu", "CPU per GB while relaying"),
                  ("hs_known", "root handshakes/s, known peers (rekeys), one core"),
                  ("hs_new", "root handshakes/s, first contact (identity check), one core"),
                  ("hs_bytes_per_peer", "root memory per registered peer"),
                  ("join", "`zt-cli join` (both nodes) to first ping reply")]
        for k, lab in labels:
            if k in extra:
                print(f"| {lab} | {extra[k]} |")


if __name__ == "__main__":
    main()
