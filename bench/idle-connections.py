#!/usr/bin/env python3
"""Issue #17's memory row: resident memory per idle TCP echo connection.

Starts `inetkit serve echo` (under a descriptor limit that allows the count), reads its RSS from /proc, opens COUNT
connections one by one from this process, echoes one byte on each (so each has been served, not only accepted),
lets them sit, and reads RSS again: (after - before) / COUNT. Loopback only; the server is stopped at the end.

Usage: bench/idle-connections.py --inetkit PATH [--count 10000] [--extra ARGS...]
"""
import argparse, os, resource, socket, subprocess, sys, time

from loopback import free_port, wait_listening


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inetkit", required=True)
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--extra", nargs=argparse.REMAINDER, default=[])
    args = parser.parse_args()
    # This process holds the client ends and the server its own: each needs COUNT descriptors and a few more.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = args.count + 500
    if hard != resource.RLIM_INFINITY and hard < need:
        sys.exit(f"the descriptor limit ({hard}) is below {need}: raise it (ulimit -Hn) or lower --count")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, need), hard))
    port = free_port()
    cmd = [args.inetkit, "serve", "echo", "--tcp", "--bind", "127.0.0.1", "--port", str(port),
           "--max-connections", str(args.count * 2), "--max-connections-per-source", str(args.count * 2)] + args.extra
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_listening(port, server, " ".join(cmd))
        time.sleep(1)
        before = rss_kb(server.pid)
        clients = []
        for i in range(args.count):
            c = socket.create_connection(("127.0.0.1", port))
            c.sendall(b"x")
            if c.recv(1) != b"x":
                sys.exit(f"connection {i}: no echo")
            clients.append(c)
        time.sleep(2)
        after = rss_kb(server.pid)
        alive = server.poll() is None
        print(f"{' '.join(os.path.basename(a) if j == 0 else a for j, a in enumerate(cmd))}")
        print(f"connections {args.count}, RSS before {before / 1024:.1f} MB, with all open {after / 1024:.1f} MB, "
              f"per connection {(after - before) * 1024 / args.count / 1024:.2f} KB, server alive {alive}")
        for c in clients:
            c.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
