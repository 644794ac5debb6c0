#!/usr/bin/env python3
"""inetkit serve beside echo_limit (the C epoll reference server), driven by the neutral load generator.

Builds inetkit (Release), builds loadgen and echo_limit from the load generator's directory (INETKIT_BENCH, else
../shared/bench beside the repository), then for every workload of issue #5 runs loadgen against echo_limit and
against inetkit, alternately, RUNS times for DURATION seconds each, and prints the medians and their ratio.
Loopback only; every server is stopped at the end.

Usage: bench/serve-vs-limit.py [--duration S] [--runs N] [--only NAME...] [--limit-threads N] [--inetkit PATH]
"""
import argparse, json, os, shutil, socket, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name, loadgen mode and args, the figure, "higher" or "lower" is better, target ratio, inetkit service, echo_limit service
WORKLOADS = [
    ("tcp-echo 64x32 d1", ["tcp-echo", "--conns", "64", "--size", "32", "--depth", "1"], "msgs_per_s", "higher", 0.90, "echo", "echo"),
    ("tcp-echo 100x32 d1000", ["tcp-echo", "--conns", "100", "--size", "32", "--depth", "1000"], "msgs_per_s", "higher", 0.80, "echo", "echo"),
    ("tcp-echo 8x4096 d4", ["tcp-echo", "--conns", "8", "--size", "4096", "--depth", "4"], "mb_per_s", "higher", 0.80, "echo", "echo"),
    ("tcp-echo 1x32 d1 p99", ["tcp-echo", "--conns", "1", "--size", "32", "--depth", "1"], "p99_us", "lower", 1.30, "echo", "echo"),
    ("udp-echo 4x64 w32", ["udp-echo", "--socks", "4", "--size", "64", "--window", "32"], "pps", "higher", 0.80, "echo", "echo"),
    ("tcp-connect 16 daytime", ["tcp-connect", "--conns", "16"], "tps", "higher", 0.90, "daytime", "daytime"),
    ("tcp-connect 16 qotd", ["tcp-connect", "--conns", "16"], "tps", "higher", 0.90, "qotd", "daytime"),
    ("tcp-source chargen", ["tcp-source", "--conns", "1"], "mb_per_s", "higher", 0.60, "chargen", "chargen"),
    ("tcp-sink discard", ["tcp-sink", "--conns", "1"], "mb_per_s", "higher", 0.80, "discard", "discard"),
]


def free_port():
    """A port free on 127.0.0.1 for both TCP and UDP right now (bind port 0, read it back)."""
    while True:
        with socket.socket() as t:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                try:
                    u.bind(("127.0.0.1", port))
                    return port
                except OSError:
                    continue


def wait_listening(port, proc, what):
    for _ in range(100):
        if proc.poll() is not None:
            sys.exit(f"{what} exited at start: {proc.stderr.read().decode(errors='replace') if proc.stderr else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"{what} is not listening on 127.0.0.1:{port}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", nargs="*", help="workload names that contain any of these words")
    parser.add_argument("--limit-threads", type=int, default=0, help="echo_limit --threads (default: its own, one per CPU)")
    parser.add_argument("--inetkit", help="an inetkit executable to measure (a Native AOT build, say) instead of building one")
    args = parser.parse_args()

    bench = os.environ.get("INETKIT_BENCH") or os.path.join(ROOT, "..", "shared", "bench")
    if not os.path.isfile(os.path.join(bench, "build.sh")):
        sys.exit(f"no load generator: {bench}/build.sh is missing; set INETKIT_BENCH to the directory holding loadgen.c, echo_limit.c and build.sh")
    work = tempfile.mkdtemp(prefix="inetkit-bench-")
    procs = []
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

        servers = {}
        def server(kind, service):
            key = (kind, service)
            if key not in servers:
                port = free_port()
                if kind == "limit":
                    cmd = [limit, "--port", str(port), "--service", service] + (["--threads", str(args.limit_threads)] if args.limit_threads else [])
                else:
                    cmd = [inetkit, "serve", service, "--port", str(port), "--bind", "127.0.0.1"]
                proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                procs.append(proc)
                wait_listening(port, proc, " ".join(cmd))
                servers[key] = (port, proc)
            return servers[key]

        rows = []
        for name, mode, figure, better, target, service, limit_service in WORKLOADS:
            if args.only and not any(word in name for word in args.only):
                continue
            figures = {"limit": [], "inetkit": []}
            problems = []
            for run in range(args.runs):
                # Alternate who goes first: what one run leaves behind (TIME_WAIT sockets after tcp-connect, a warm
                # cache) then falls on each side alike.
                for kind in (("limit", "inetkit") if run % 2 == 0 else ("inetkit", "limit")):
                    port, _ = server(kind, limit_service if kind == "limit" else service)
                    cmd = [loadgen, mode[0], "127.0.0.1", str(port)] + mode[1:] + ["--duration", str(args.duration)]
                    out = subprocess.run(cmd, capture_output=True, text=True)
                    result = json.loads(out.stdout.strip().splitlines()[-1])
                    if any(result.get(bad) for bad in ("errors", "mismatches", "lost")):
                        # loadgen describes the first error it saw on stderr, after its one-line banner.
                        for line in out.stderr.strip().splitlines()[1:]:
                            print(f"  {name} run {run + 1} {kind}: loadgen says: {line}", file=sys.stderr)
                    figures[kind].append(result[figure])
                    for bad in ("errors", "mismatches", "lost"):
                        if result.get(bad):
                            problems.append(f"{kind} {bad}={result[bad]}")
                    print(f"  {name} run {run + 1} {kind}: {figure}={result[figure]}", file=sys.stderr)
            lim, ink = statistics.median(figures["limit"]), statistics.median(figures["inetkit"])
            ratio = ink / lim if lim else float("nan")
            ok = ratio >= target if better == "higher" else ratio <= target
            rows.append((name, figure, lim, ink, ratio, target, better, ok, "; ".join(sorted(set(problems)))))

        print(f"\n{args.runs} runs of {args.duration} s each, medians; echo_limit threads: {args.limit_threads or 'one per CPU'}; {os.cpu_count()} CPUs")
        print(f"| workload | figure | echo_limit | inetkit | ratio | target | met | errors |")
        print(f"|---|---|---:|---:|---:|---:|---|---|")
        for name, figure, lim, ink, ratio, target, better, ok, problems in rows:
            print(f"| {name} | {figure} | {lim:,.1f} | {ink:,.1f} | {ratio:.2f} | {'≥' if better == 'higher' else '≤'} {target:.2f} | {'yes' if ok else 'NO'} | {problems or 'none'} |")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
