#!/usr/bin/env python3
"""A UDP flood at the load generator's full speed against `inetkit serve echo --udp`, with the server's memory
sampled throughout and a plain request-reply run straight after, to show it recovers at once.

Phases: idle baseline (2 s) -> flood (loadgen udp-echo, many sockets, a deep window: it sends as fast as the server
and the kernel take; what the socket queue cannot hold is dropped by the kernel and counted as lost) -> recovery
(loadgen udp-echo, 1 socket, window 1: every datagram should come back, at the usual latency).
Loopback only; the server is stopped at the end.

Usage: bench/udp-flood.py [--duration S] [--socks N] [--window W] [--size B] [--inetkit PATH]
"""
import argparse, json, os, socket, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def loadgen(binary, port, args, duration):
    out = subprocess.run([binary, "udp-echo", "127.0.0.1", str(port)] + args + ["--duration", str(duration)], capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=30, help="flood seconds (loadgen caps a run at 60)")
    parser.add_argument("--socks", type=int, default=32)
    parser.add_argument("--window", type=int, default=256)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--inetkit", help="an inetkit executable instead of building one")
    args = parser.parse_args()

    bench = os.environ.get("INETKIT_BENCH") or os.path.join(ROOT, "..", "shared", "bench")
    work = tempfile.mkdtemp(prefix="inetkit-flood-")
    subprocess.run(["bash", os.path.join(bench, "build.sh"), os.path.join(work, "bench")], check=True, stdout=subprocess.DEVNULL)
    binary = os.path.join(work, "bench", "loadgen")
    inetkit = args.inetkit
    if not inetkit:
        subprocess.run(["dotnet", "build", "-c", "Release", os.path.join(ROOT, "src", "Inetkit.Cli"), "-o", os.path.join(work, "inetkit")], check=True, stdout=subprocess.DEVNULL)
        inetkit = os.path.join(work, "inetkit", "inetkit")

    port = free_udp_port()
    server = subprocess.Popen([inetkit, "serve", "echo", "--udp", "--port", str(port), "--bind", "127.0.0.1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        server.stdout.readline()  # the endpoint line: bound and serving
        time.sleep(2)
        baseline = rss_mb(server.pid)
        samples, stop = [], threading.Event()

        def sample():
            while not stop.is_set():
                samples.append(rss_mb(server.pid))
                time.sleep(0.5)

        sampler = threading.Thread(target=sample)
        sampler.start()
        flood = loadgen(binary, port, ["--socks", str(args.socks), "--window", str(args.window), "--size", str(args.size), "--timeout-ms", "200"], args.duration)
        stop.set()
        sampler.join()
        after_flood = rss_mb(server.pid)
        recovery = loadgen(binary, port, ["--socks", "1", "--window", "1", "--size", str(args.size)], 3)
        alive = server.poll() is None

        print(f"server RSS: idle {baseline:.1f} MB, during the flood {min(samples):.1f}-{max(samples):.1f} MB, after {after_flood:.1f} MB")
        print(f"flood ({args.socks} sockets x window {args.window}, {args.size}-byte datagrams, {flood['duration_s']:.0f} s): "
              f"sent {flood['sent']:,}, answered {flood['received']:,} ({flood['pps']:,.0f}/s), lost {flood['lost']:,} ({flood['loss_pct']:.1f}%), "
              f"errors {flood['errors']}, mismatches {flood['mismatches']}")
        print(f"recovery (1 socket, window 1, 3 s, straight after): {recovery['received']:,} answered, lost {recovery['lost']}, "
              f"p50 {recovery['p50_us']} us, p99 {recovery['p99_us']} us, errors {recovery['errors']}, mismatches {recovery['mismatches']}")
        ok = alive and recovery["lost"] == 0 and recovery["errors"] == 0 and flood["mismatches"] == 0 and recovery["mismatches"] == 0 and max(samples) < baseline + 64
        print("verdict:", "held (up, memory bounded, recovered at once)" if ok else "NOT HELD")
        return 0 if ok else 1
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
