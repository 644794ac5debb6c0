#!/usr/bin/env python3
"""inetkit serve beside echo_limit (the C epoll reference server), driven by the neutral load generator.

Builds inetkit (Release), builds loadgen and echo_limit from the load generator's directory (INETKIT_BENCH, else
../shared/bench beside the repository). For every workload it starts fresh servers (echo_limit at --threads 1,
echo_limit at its default of one thread per CPU, and inetkit), runs loadgen against each in turn, RUNS times for
DURATION seconds, who goes first rotating, and prints the medians, the better of the two echo_limit medians and
inetkit's ratio to it. Errors (resets, refused or failed connects, timeouts), mismatches and lost datagrams are
counted in every run, the first run against each fresh server included, and inetkit's "refused" log lines too.
Loopback only; every server is stopped at the end.

With --targets 17, issue #17's workloads and targets (every figure at or past the C limit; tcp-source and
tcp-sink over 4 connections). With --operated, serve runs as an operator would run it: --metrics on a port of its
own, scraped every second as Prometheus would (every 15 s by default), and an access list of a few entries that
lets loopback through.

Usage: bench/serve-vs-limit.py [--duration S] [--runs N] [--only WORD...] [--inetkit PATH] [--json FILE]
                               [--targets 5|17] [--operated]
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, threading, urllib.request

from loopback import free_port, wait_listening

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name, loadgen mode and args, the figure, "higher" or "lower" is better, target ratio, inetkit service, echo_limit service
WORKLOADS = [
    ("tcp-echo 64x32 d1", ["tcp-echo", "--conns", "64", "--size", "32", "--depth", "1"], "msgs_per_s", "higher", 0.90, "echo", "echo"),
    ("tcp-echo 100x32 d1000", ["tcp-echo", "--conns", "100", "--size", "32", "--depth", "1000"], "msgs_per_s", "higher", 0.80, "echo", "echo"),
    ("tcp-echo 8x4096 d4", ["tcp-echo", "--conns", "8", "--size", "4096", "--depth", "4"], "mb_per_s", "higher", 0.80, "echo", "echo"),
    ("tcp-echo 1x32 d1 p99", ["tcp-echo", "--conns", "1", "--size", "32", "--depth", "1"], "p99_us", "lower", 1.30, "echo", "echo"),
    ("udp-echo 4x64 w32", ["udp-echo", "--socks", "4", "--size", "64", "--window", "32"], "pps", "higher", 0.80, "echo", "echo"),
    # Issue #11's load: 16 connect-read-close loops on two load generator threads, every reply at least a byte.
    ("tcp-connect 16 t2 daytime", ["tcp-connect", "--conns", "16", "--min-bytes", "1", "--threads", "2"], "tps", "higher", 0.95, "daytime", "daytime"),
    ("tcp-connect 16 t2 qotd", ["tcp-connect", "--conns", "16", "--min-bytes", "1", "--threads", "2"], "tps", "higher", 0.95, "qotd", "daytime"),
    ("tcp-source chargen", ["tcp-source", "--conns", "1"], "mb_per_s", "higher", 0.60, "chargen", "chargen"),
    ("tcp-sink discard", ["tcp-sink", "--conns", "1"], "mb_per_s", "higher", 0.80, "discard", "discard"),
]

# Issue #17: the same workloads, every target the C limit (discard's above it), the sources and sinks over 4 connections.
WORKLOADS_17 = [
    ("tcp-echo 64x32 d1", ["tcp-echo", "--conns", "64", "--size", "32", "--depth", "1"], "msgs_per_s", "higher", 1.00, "echo", "echo"),
    ("tcp-echo 8x4096 d4", ["tcp-echo", "--conns", "8", "--size", "4096", "--depth", "4"], "mb_per_s", "higher", 1.00, "echo", "echo"),
    ("tcp-echo 1x32 d1 p99", ["tcp-echo", "--conns", "1", "--size", "32", "--depth", "1"], "p99_us", "lower", 1.00, "echo", "echo"),
    ("udp-echo 4x64 w32", ["udp-echo", "--socks", "4", "--size", "64", "--window", "32"], "pps", "higher", 1.00, "echo", "echo"),
    ("tcp-connect 16 t2 daytime", ["tcp-connect", "--conns", "16", "--min-bytes", "1", "--threads", "2"], "tps", "higher", 1.00, "daytime", "daytime"),
    ("tcp-connect 16 t2 qotd", ["tcp-connect", "--conns", "16", "--min-bytes", "1", "--threads", "2"], "tps", "higher", 1.00, "qotd", "daytime"),
    ("tcp-source 4 chargen", ["tcp-source", "--conns", "4"], "mb_per_s", "higher", 1.00, "chargen", "chargen"),
    ("tcp-sink 4 discard", ["tcp-sink", "--conns", "4"], "mb_per_s", "higher", 1.20, "discard", "discard"),
]

# --operated: a few entries, the loopback clients allowed by the most specific.
ACCESS = ["--allow", "127.0.0.0/8,::1", "--deny", "127.0.0.66,10.0.0.0/8,192.168.0.0/16,fc00::/7"]

# The three servers of every workload: echo_limit's two configurations (the reference is the better of them) and inetkit.
KINDS = ("limit-t1", "limit", "inetkit")
BAD = ("errors", "mismatches", "lost", "short_reads")


class Server:
    def __init__(self, kind, cmd, port, log, metrics=None):
        self.kind, self.port, self.log = kind, port, log
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(log, "wb"))
        wait_listening(port, self.proc, " ".join(cmd))
        self.scrapes, self._done = 0, threading.Event()
        if metrics:
            threading.Thread(target=self._scrape, args=(metrics,), daemon=True).start()

    def _scrape(self, port):
        while not self._done.wait(1.0):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                    r.read()
                    self.scrapes += 1
            except OSError:
                pass

    def refused(self):
        with open(self.log, errors="replace") as f:
            return sum(1 for line in f if "refused" in line)

    def stop(self):
        self._done.set()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start(kind, service, limit, inetkit, work, operated):
    port, metrics = free_port(), None
    if kind.startswith("limit"):
        cmd = [limit, "--port", str(port), "--service", service] + (["--threads", "1"] if kind == "limit-t1" else [])
    else:
        cmd = [inetkit, "serve", service, "--port", str(port), "--bind", "127.0.0.1"]
        if operated:
            metrics = free_port()
            cmd += ["--metrics", f"127.0.0.1:{metrics}"] + ACCESS
    return Server(kind, cmd, port, os.path.join(work, f"{kind}-{service}-{port}.log"), metrics)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", nargs="*", help="workload names that contain any of these words")
    parser.add_argument("--inetkit", help="an inetkit executable to measure (a Native AOT build, say) instead of building one")
    parser.add_argument("--json", help="also write every run's figures to this file")
    parser.add_argument("--targets", choices=["5", "17"], default="5", help="issue #5's workloads and targets (the default) or issue #17's")
    parser.add_argument("--operated", action="store_true", help="serve with --metrics (scraped every second) and an access list")
    args = parser.parse_args()

    bench = os.environ.get("INETKIT_BENCH") or os.path.join(ROOT, "..", "shared", "bench")
    if not os.path.isfile(os.path.join(bench, "build.sh")):
        sys.exit(f"no load generator: {bench}/build.sh is missing; set INETKIT_BENCH to the directory holding loadgen.c, echo_limit.c and build.sh")
    work = tempfile.mkdtemp(prefix="inetkit-bench-")
    servers = []
    try:
        print("building loadgen and echo_limit...", file=sys.stderr)
        subprocess.run(["bash", os.path.join(bench, "build.sh"), os.path.join(work, "bench")], check=True, stdout=subprocess.DEVNULL)
        loadgen, limit = os.path.join(work, "bench", "loadgen"), os.path.join(work, "bench", "echo_limit")
        if args.inetkit:
            inetkit = os.path.abspath(args.inetkit)
        else:
            print("building inetkit (Release)...", file=sys.stderr)
            subprocess.run(["dotnet", "build", "-c", "Release", os.path.join(ROOT, "src", "Inetkit.Cli"), "-o", os.path.join(work, "inetkit")], check=True, stdout=subprocess.DEVNULL)
            inetkit = os.path.join(work, "inetkit", "inetkit")

        rows, record = [], []
        for name, mode, figure, better, target, service, limit_service in (WORKLOADS_17 if args.targets == "17" else WORKLOADS):
            if args.only and not any(word in name for word in args.only):
                continue
            # Fresh servers for every workload: each one's first run is a fresh server's first run.
            current = {kind: start(kind, limit_service if kind.startswith("limit") else service, limit, inetkit, work, args.operated) for kind in KINDS}
            servers.extend(current.values())
            figures = {kind: [] for kind in KINDS}
            errors = {kind: [] for kind in KINDS}
            for run in range(args.runs):
                # Rotate who goes first: what one run leaves behind (TIME_WAIT sockets after tcp-connect, a warm
                # cache) then falls on each side alike.
                for kind in KINDS[run % 3:] + KINDS[:run % 3]:
                    server = current[kind]
                    cmd = [loadgen, mode[0], "127.0.0.1", str(server.port)] + mode[1:] + ["--duration", str(args.duration)]
                    out = subprocess.run(cmd, capture_output=True, text=True)
                    result = json.loads(out.stdout.strip().splitlines()[-1])
                    bad = sum(result.get(b, 0) for b in BAD)
                    if bad:
                        # loadgen describes the first error it saw on stderr, after its one-line banner.
                        for line in out.stderr.strip().splitlines()[1:]:
                            print(f"  {name} run {run + 1} {kind}: loadgen says: {line}", file=sys.stderr)
                    figures[kind].append(result[figure])
                    errors[kind].append(bad)
                    record.append({"workload": name, "run": run + 1, "server": kind, **result})
                    print(f"  {name} run {run + 1} {kind}: {figure}={result[figure]} errors={bad}", file=sys.stderr)
            refused = current["inetkit"].refused()
            if args.operated and current["inetkit"].scrapes == 0:
                sys.exit(f"{name}: serve's /metrics was never scraped")
            for server in current.values():
                server.stop()
            med = {kind: statistics.median(figures[kind]) for kind in KINDS}
            pick = max if better == "higher" else min
            reference = pick(med["limit-t1"], med["limit"])
            ratio = med["inetkit"] / reference if reference else float("nan")
            ok = ratio >= target if better == "higher" else ratio <= target
            clean = all(e == 0 for kind in KINDS for e in errors[kind]) and refused == 0
            rows.append((name, figure, med, reference, ratio, target, better, ok, errors, refused, clean))

        how = "serve with --metrics (scraped every second) and an access list" if args.operated else "serve as it runs by default"
        print(f"\n{args.runs} runs of {args.duration} s each, medians; a fresh set of servers per workload; {os.cpu_count()} CPUs; {how}; issue #{args.targets}'s targets")
        print("| workload | figure | echo_limit -t1 | echo_limit default | better | inetkit | ratio | target | met | errors per run (t1 / default / inetkit) | inetkit refused |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---|---|---:|")
        for name, figure, med, reference, ratio, target, better, ok, errors, refused, clean in rows:
            per_run = " / ".join(",".join(str(e) for e in errors[kind]) for kind in KINDS)
            print(f"| {name} | {figure} | {med['limit-t1']:,.1f} | {med['limit']:,.1f} | {reference:,.1f} | {med['inetkit']:,.1f} | {ratio:.2f} | "
                  f"{'≥' if better == 'higher' else '≤'} {target:.2f} | {'yes' if ok else 'NO'} | {per_run} | {refused} |")
        if args.json:
            with open(args.json, "w") as f:
                json.dump(record, f, indent=1)
        sys.exit(0 if all(row[7] and row[10] for row in rows) else 1)
    finally:
        for server in servers:
            if server.proc.poll() is None:
                server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
