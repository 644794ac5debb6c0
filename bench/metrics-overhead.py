#!/usr/bin/env python3
"""What counting costs: inetkit serve echo without and with --metrics, beside echo_limit, driven by the neutral load generator.

Builds inetkit (Release) and loadgen and echo_limit (INETKIT_BENCH, else ../shared/bench beside the repository). For
each workload it starts fresh servers: echo_limit (its default, a thread per CPU), `serve echo` and `serve echo
--metrics 127.0.0.1:PORT`, whose /metrics a scraper here reads every SCRAPE seconds throughout (Prometheus' default is
every 15 s: this is harsher). Then loadgen runs against each in turn, RUNS times for DURATION seconds, who goes first
rotating, and the medians are printed with each inetkit's ratio to echo_limit, and the server's CPU time per message
(user + system, from /proc/PID/stat around each run): on a shared machine throughput swings with the neighbours'
load, while the CPU a message costs the server moves far less. At the end the metered server's own counts are read
back beside loadgen's, to show the counting was on. Loopback only; every server is stopped at the end.

With --baseline PATH, an inetkit built from another commit (before the metrics, say) serves beside them as a fourth
server, `serve echo` without --metrics.

Usage: bench/metrics-overhead.py [--duration S] [--runs N] [--scrape S] [--inetkit PATH] [--baseline PATH]
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, threading, time, urllib.request

from loopback import free_port, wait_listening

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name, loadgen mode and args, the figure, the metered server's count of the same traffic
WORKLOADS = [
    ("tcp-echo 64x32 d1", ["tcp-echo", "--conns", "64", "--size", "32", "--depth", "1"], "msgs_per_s", "inetkit_connections_accepted_total"),
    ("udp-echo 4x64 w32", ["udp-echo", "--socks", "4", "--size", "64", "--window", "32"], "pps", "inetkit_datagrams_answered_total"),
]
KINDS = ("limit", "plain", "metrics")
BASELINE = "baseline"
BAD = ("errors", "mismatches", "lost", "short_reads")


def scrape(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


def cpu_seconds(pid):
    """User + system CPU time of a process so far (/proc/PID/stat fields 14 and 15, in clock ticks)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def total(exposition, family):
    return sum(float(line.rsplit(" ", 1)[1]) for line in exposition.splitlines() if line.startswith(family + "{"))


class Server:
    def __init__(self, kind, limit, inetkit, log, baseline=None):
        self.kind, self.port, self.metrics = kind, free_port(), None
        if kind == "limit":
            cmd = [limit, "--port", str(self.port), "--service", "echo"]
        else:
            cmd = [baseline if kind == BASELINE else inetkit, "serve", "echo", "--port", str(self.port), "--bind", "127.0.0.1"]
            if kind == "metrics":
                self.metrics = f"http://127.0.0.1:{free_port()}/metrics"
                cmd += ["--metrics", self.metrics.split("/")[2]]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(log, "wb"))
        wait_listening(self.port, self.proc, " ".join(cmd))

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scrape", type=float, default=1.0)
    parser.add_argument("--inetkit", help="an inetkit executable to measure instead of building one")
    parser.add_argument("--baseline", help="another inetkit executable, served without --metrics as a fourth server")
    args = parser.parse_args()

    bench = os.environ.get("INETKIT_BENCH") or os.path.join(ROOT, "..", "shared", "bench")
    work = tempfile.mkdtemp(prefix="inetkit-bench-")
    servers, stop = [], threading.Event()
    try:
        subprocess.run(["bash", os.path.join(bench, "build.sh"), os.path.join(work, "bench")], check=True, stdout=subprocess.DEVNULL)
        loadgen, limit = os.path.join(work, "bench", "loadgen"), os.path.join(work, "bench", "echo_limit")
        if args.inetkit:
            inetkit = os.path.abspath(args.inetkit)
        else:
            print("building inetkit (Release)...", file=sys.stderr)
            subprocess.run(["dotnet", "build", "-c", "Release", os.path.join(ROOT, "src", "Inetkit.Cli"), "-o", os.path.join(work, "inetkit")], check=True, stdout=subprocess.DEVNULL)
            inetkit = os.path.join(work, "inetkit", "inetkit")
        rows = []
        kinds = KINDS + ((BASELINE,) if args.baseline else ())
        for name, mode, figure, family in WORKLOADS:
            current = {kind: Server(kind, limit, inetkit, os.path.join(work, f"{kind}.log"), args.baseline and os.path.abspath(args.baseline)) for kind in kinds}
            servers.extend(current.values())
            scrapes = []

            def scraper(url=current["metrics"].metrics):
                while not stop.wait(args.scrape):
                    started = time.monotonic()
                    scrape(url)
                    scrapes.append(time.monotonic() - started)

            stop.clear()
            thread = threading.Thread(target=scraper, daemon=True)
            thread.start()
            figures = {kind: [] for kind in kinds}
            cpu = {kind: [] for kind in kinds}
            bad = {kind: 0 for kind in kinds}
            sent = 0
            for run in range(args.runs):
                for kind in kinds[run % len(kinds):] + kinds[:run % len(kinds)]:
                    cmd = [loadgen, mode[0], "127.0.0.1", str(current[kind].port)] + mode[1:] + ["--duration", str(args.duration)]
                    before = cpu_seconds(current[kind].proc.pid)
                    result = json.loads(subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[-1])
                    messages = result.get("received") if mode[0] == "udp-echo" else result.get("msgs")
                    cpu[kind].append((cpu_seconds(current[kind].proc.pid) - before) / messages * 1e6 if messages else float("nan"))
                    figures[kind].append(result[figure])
                    bad[kind] += sum(result.get(b, 0) for b in BAD)
                    if kind == "metrics":
                        sent += result.get("received", 0) if mode[0] == "udp-echo" else int(mode[2])
                    print(f"  {name} run {run + 1} {kind}: {figure}={result[figure]:,.0f} cpu={cpu[kind][-1]:.2f} us/msg", file=sys.stderr)
            stop.set()
            thread.join()
            counted = total(scrape(current["metrics"].metrics), family)
            for server in current.values():
                server.stop()
            med = {kind: statistics.median(figures[kind]) for kind in kinds}
            per = {kind: statistics.median(cpu[kind]) for kind in kinds}
            rows.append((name, figure, med, per, figures, bad, family, counted, sent, statistics.median(scrapes) if scrapes else 0, len(scrapes)))

        load = os.getloadavg()
        print(f"\n{args.runs} runs of {args.duration} s each, medians; /metrics scraped every {args.scrape:g} s; {os.cpu_count()} CPUs; load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        print("| workload | figure | echo_limit | serve echo | serve echo --metrics | with ÷ without | ratio to echo_limit without / with | server CPU µs/msg: limit / without / with | errors (limit / plain / metrics) |")
        print("|---|---|---:|---:|---:|---:|---|---|---|")
        for name, figure, med, per, figures, bad, *_ in rows:
            print(f"| {name} | {figure} | {med['limit']:,.0f} | {med['plain']:,.0f} | {med['metrics']:,.0f} | {med['metrics'] / med['plain']:.3f} | "
                  f"{med['plain'] / med['limit']:.2f} / {med['metrics'] / med['limit']:.2f} | {per['limit']:.2f} / {per['plain']:.2f} / {per['metrics']:.2f} | {bad['limit']} / {bad['plain']} / {bad['metrics']} |")
            if BASELINE in med:
                print(f"| {name}, baseline | {figure} | | {med[BASELINE]:,.0f} | | | {med[BASELINE] / med['limit']:.2f} | CPU µs/msg {per[BASELINE]:.2f} | {bad[BASELINE]} |")
        print()
        for name, figure, med, per, figures, bad, family, counted, sent, scrape_s, scrapes in rows:
            print(f"{name}: every run {', '.join(f'{k} ' + ' '.join(f'{v:,.0f}' for v in figures[k]) for k in figures)}; "
                  f"{family} on the metered server {counted:,.0f} (loadgen: {sent:,.0f} {'replies received' if 'udp' in name else 'connections made'}); "
                  f"{scrapes} scrapes, median {scrape_s * 1000:.1f} ms")
    finally:
        stop.set()
        for server in servers:
            if server.proc.poll() is None:
                server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
