#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""dos_summary.py - the table of bench/dos.sh from its raw results.

Each row directory holds gen.txt (dosgen), rekey.txt (rekeyer), before.txt
and after.txt (root CPU ticks, RSS, R's UDP counters, the nft counters).
Prints the "Measured" section (markdown) and, with --out, puts it into
that file in place of its "## Measured" section (appended if there is
none)."""
import argparse
import datetime
import os
import platform
import re
import subprocess

ROWS = [
    ("none", "unattacked", None),
    ("forged-fresh", "forged HS_INIT, fresh (a", "spoof"),
    ("forged-replay", "forged HS_INIT, replayed (a", "spoof"),
    ("cookie-replay", "replayed HS_INIT + valid cookie (b", "atk"),
    ("cookie-forged", "forged HS_INIT + valid cookie, replayed (b", "atk"),
    ("junk", "junk UDP (c", "spoof"),
    ("tcp-churn", "TCP connect/reset churn (d", "tcp"),
    ("tcp-idle", "idle TCP connections (e", "tcp"),
    ("auth-echo", "spoofed ECHO (f", "spoof"),
    ("auth-register", "spoofed REGISTER (f", "spoof"),
    ("auth-whois", "spoofed WHOIS (f", "spoof"),
    ("auth-rendezvous", "spoofed RENDEZVOUS_REQ (f", "spoof"),
    ("auth-announce", "spoofed NET_ANNOUNCE (f", "spoof"),
]
TYPES = {1: "HS_INIT", 2: "HS_RESP", 3: "COOKIE", 4: "DATA", 5: "FRAG"}
UDP_IP_HDR = 28  # IPv4 + UDP headers, in the nft byte counts


def kv(path):
    d = {}
    try:
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) >= 2:
                    try:
                        d[p[0]] = float(p[1])
                    except ValueError:
                        d[p[0]] = p[1]
    except OSError:
        pass
    return d


def delta(a, b, k):
    return float(b.get(k, 0)) - float(a.get(k, 0))


def fmt_rate(x):
    if x >= 10000:
        return "%.0fk" % (x / 1000)
    if x >= 1000:
        return "%.1fk" % (x / 1000)
    return "%.0f" % x


def fmt_us(x):
    if x < 0.05:
        return "<0.1 µs"
    if x < 10:
        return "%.1f µs" % x
    return "%.0f µs" % x


def load(raw):
    res = {}
    for name, _, src in ROWS:
        d = os.path.join(raw, name)
        if not os.path.isdir(d):
            continue
        r = {"failed": None}
        if os.path.exists(os.path.join(d, "FAILED")):
            with open(os.path.join(d, "FAILED")) as f:
                r["failed"] = f.read().strip()
        g, k = kv(os.path.join(d, "gen.txt")), kv(os.path.join(d, "rekey.txt"))
        b, a = kv(os.path.join(d, "before.txt")), kv(os.path.join(d, "after.txt"))
        if "ticks" not in b or "ticks" not in a:
            r["failed"] = r["failed"] or "root died"
            res[name] = r
            continue
        wall = delta(b, a, "time")
        r["wall"] = wall
        r["cpu"] = delta(b, a, "ticks") / float(a.get("clk_tck", 100))
        r["rss0"], r["rss1"] = b.get("rss_kb", 0), a.get("rss_kb", 0)
        r["rekey"] = k.get("rekey_rate")
        r["rekey_k"] = k
        r["gen"] = g
        secs = float(g.get("secs", 0) or 0)
        r["sent"] = float(g.get("sent", 0) or 0)
        r["sent_ps"] = r["sent"] / secs if secs > 0 else 0
        r["secs"] = secs
        drops = delta(b, a, "udp_RcvbufErrors")
        delivered = delta(b, a, "udp_InDatagrams")
        r["read"] = delivered
        r["listen_drops"] = delta(b, a, "tcp_listen_drops")
        r["drop_pct"] = 100 * drops / (drops + delivered) if drops + delivered > 0 else 0
        if src:
            n = "nft_%s_%s_%s"
            r["in_pkts"] = delta(b, a, "nft_in_%s_pkts" % src)
            r["in_bytes"] = delta(b, a, "nft_in_%s_bytes" % src)
            r["out_pkts"] = delta(b, a, "nft_out_%s_pkts" % src)
            r["out_bytes"] = delta(b, a, "nft_out_%s_bytes" % src)
            r["types"] = {t: (delta(b, a, n % ("out", src, "t%d_pkts" % t)),
                              delta(b, a, n % ("out", src, "t%d_bytes" % t)))
                          for t in TYPES}
            if src == "tcp":
                r["amp"] = r["out_bytes"] / r["in_bytes"] if r["in_bytes"] else None
            else:
                pin = r["in_bytes"] - UDP_IP_HDR * r["in_pkts"]
                pout = r["out_bytes"] - UDP_IP_HDR * r["out_pkts"]
                r["amp"] = pout / pin if pin > 0 else None
        res[name] = r
    return res


def table(res, args):
    base = res.get("none")
    base_rate = base.get("rekey") if base and not base.get("failed") else None
    base_cpu = base["cpu"] / base["wall"] if base_rate else 0.0
    out = []
    out.append("| attack | sent/s | reached the root/s | legit rekeys/s (kept) | root CPU | "
               "root CPU per hostile packet | RSS before → after | UDP socket drops (datagrams read) | "
               "root's answers to the attacker | amplification |")
    out.append("|---|---|---|---|---|---|---|---|---|---|")
    worst = {}
    for name, label, src in ROWS:
        r = res.get(name)
        if r is None:
            continue
        label = label + ")" if "(" in label else label
        if r.get("failed") and "cpu" not in r:
            out.append("| %s | FAILED: %s |" % (label, r["failed"]))
            continue
        cpu_pct = 100 * r["cpu"] / r["wall"] if r["wall"] > 0 else 0
        rk = r.get("rekey")
        if rk is None:
            rekey = "FAILED"
        elif base_rate and name != "none":
            rekey = "%.0f (%.0f %%)" % (rk, 100 * rk / base_rate)
        else:
            rekey = "%.0f" % rk
        rss = "%.1f → %.1f MiB" % (r["rss0"] / 1024, r["rss1"] / 1024)
        drops = "%.0f %%" % r["drop_pct"] if r["drop_pct"] >= 0.5 else "0"
        if r["wall"] > 0:
            drops += " (read %s/s)" % fmt_rate(r["read"] / r["wall"])
        if name == "none":
            out.append("| %s | – | – | %s | %.0f %% | – | %s | %s | – | – |"
                       % (label, rekey, cpu_pct, rss, drops))
            continue
        tcp = src == "tcp"
        g = r["gen"]
        unit = "conn" if tcp else "pkt"
        sent = "%s %s" % (fmt_rate(r["sent_ps"]), unit)
        reached = "%s pkt" % fmt_rate(r["in_pkts"] / r["secs"]) if r["secs"] > 0 else "–"
        if name == "tcp-idle":
            sent = "%d conn opened, %d held at the end, %d closed by the root" % (
                g.get("tcp_connected", 0), g.get("tcp_held", 0), g.get("tcp_closed_by_root", 0))
        extra = r["cpu"] - base_cpu * r["wall"]
        per = r["sent"] if tcp else r["in_pkts"]
        per_pkt = fmt_us(max(extra, 0) / per * 1e6) + ("/conn" if tcp else "") if per > 0 else "–"
        if tcp:
            answers = "%d TCP pkts, %.0f kB" % (r["out_pkts"], r["out_bytes"] / 1000)
            if r["listen_drops"] > 0:
                answers += "; %d SYNs dropped (accept queue full)" % r["listen_drops"]
        else:
            parts = ["%s×%d" % (TYPES[t], p) for t, (p, _) in sorted(r["types"].items()) if p > 0]
            answers = ", ".join(parts) if parts else "nothing"
        amp = r.get("amp")
        amps = "%.2f" % amp if amp is not None else "–"
        if amp is not None:
            worst[name] = amp
        notes = []
        if g.get("error"):
            notes.append("dosgen: %s" % g["error"])
        if r.get("failed"):
            notes.append(r["failed"])
        if notes:
            label += " (" + "; ".join(notes) + ")"
        out.append("| %s | %s | %s | %s | %.0f %% | %s | %s | %s | %s | %s |"
                   % (label, sent, reached, rekey, cpu_pct, per_pkt, rss, drops, answers, amps))
    return out, base_rate, worst


def header(args):
    def sh(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, shell=True,
                                  cwd=args.top).stdout.strip()
        except OSError:
            return "?"
    model = sh("lscpu | sed -n 's/^Model name: *//p'") or platform.processor()
    mem = sh("awk '/MemTotal/ {printf \"%.0f GiB\", $2/1048576}' /proc/meminfo")
    osname = sh(". /etc/os-release && echo \"$PRETTY_NAME\"")
    commit = sh("git describe --always --dirty") or "?"
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load = open("/proc/loadavg").read().split()[:3]
    return [
        "Measured by `make dos-bench` (bench/dos.sh; DOS_T=%s s per flood) on %s." % (args.t, now),
        "Machine: %s, %d vCPUs, %s, kernel %s, %s; zt %s." % (
            model, os.cpu_count() or 0, mem, platform.release(), osname, commit),
        "Load average at the end: %s (other work on the machine shows up as noise)." %
        " ".join(load),
        "",
        "Legitimate load: %s nodes rekeying with the root at %s rekeys/s offered (HS_INIT, "
        "the cookie round trip when asked, HS_RESP, REGISTER, REGISTER_OK). UDP floods "
        "at %s packets/s offered, TCP churn at %s connections/s, %s idle connections. "
        "Targets (issue 12): legitimate rekeys kept ≥ 90 %% under 100k packets/s of forged "
        "handshakes; amplification ≤ 1.0 for every message type.%s" % (
            args.ids, args.rate, args.pps, args.tcp_rate, args.idle,
            " Pinned: %s (the legitimate nodes with the flooder)." % args.pin if args.pin else ""),
        "",
    ]


def legend():
    return [
        "",
        "How to read it (bench/README.md has the details):",
        "",
        "- *sent/s* is what the flooder offered; *reached the root/s* what R's input "
        "hook counted from the attacker's sources (a veth or the kernel drops the rest).",
        "- *kept* is the rate of rekeys the legitimate nodes completed, against the "
        "unattacked row.",
        "- *root CPU* is zt-root's user+system time over the flood (% of one core); *per "
        "hostile packet* subtracts the unattacked row's CPU rate and divides by the "
        "packets that reached the root (TCP rows: by connections).",
        "- *UDP socket drops* are datagrams the root's socket had no room for "
        "(RcvbufErrors in R), legitimate ones included; in brackets the datagrams it "
        "read per second (InDatagrams), legitimate ones included.",
        "- *root's answers* counts what the root sent to the attacker's sources by zt "
        "packet type (UDP rows) or in TCP packets; *amplification* is bytes the root sent "
        "to them ÷ bytes it received from them: UDP payload bytes for the UDP rows, IP "
        "bytes for the TCP rows. Spoofed sources are victims: whatever goes there is "
        "reflected traffic.",
    ]


def write_section(path, text):
    try:
        with open(path) as f:
            old = f.read()
    except OSError:
        old = "# zt security\n"
    m = re.search(r"^## Measured\n.*?(?=^## |\Z)", old, flags=re.M | re.S)
    if m:
        new = old[:m.start()] + text + ("\n" if old[m.end():] else "") + old[m.end():]
    else:
        new = old.rstrip("\n") + "\n\n" + text
    with open(path, "w") as f:
        f.write(new)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", required=True)
    ap.add_argument("--top", default=".")
    ap.add_argument("--out", default="")
    ap.add_argument("--pin", default="")
    for k in ("t", "pps", "ids", "rate", "tcp-rate", "idle"):
        ap.add_argument("--" + k, default="?")
    args = ap.parse_args()
    res = load(args.raw)
    rows, base_rate, worst = table(res, args)
    lines = ["## Measured", ""] + header(args) + rows
    if worst:
        w = max(worst, key=worst.get)
        lines += ["", "Worst amplification: %.2f (%s)." % (worst[w], w)]
    if base_rate is None:
        lines += ["", "No unattacked row: the kept ratios are missing."]
    lines += legend()
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.out:
        write_section(args.out, text)


if __name__ == "__main__":
    main()
