#!/usr/bin/env python3
"""Issue #13's accuracy check of --impair, counted by a plain client that is not Inetkit's.

Starts `inetkit serve echo --udp --impair SPEC` on a free loopback port for each spec, sends N numbered datagrams
(a sequence number and a checksum in each), paced in windows so that the socket buffers never drop one, and counts
from what comes back: lost (never seen), duplicated (seen more than once), reordered (arrived after a higher
number), corrupted (checksum wrong). Each observed rate must lie within the 99.9% binomial bound of the configured
one (normal approximation: p +- 3.29 sqrt(p(1-p)/n)); delay: the mean extra round-trip time within 5% or 0.5 ms;
rate: the throughput of a flood within 5%. Loopback only. Exit 0 only if every check holds.
"""
import argparse, math, os, socket, struct, subprocess, sys, time, zlib

Z = 3.29  # two-sided 99.9%

def inetkit():
    here = os.path.dirname(os.path.abspath(__file__))
    built = os.path.join(here, '..', 'src', 'Inetkit.Cli', 'bin', 'Release', 'net10.0', 'inetkit')
    if not os.path.exists(built):
        subprocess.run(['dotnet', 'build', '-c', 'Release', os.path.join(here, '..', 'src', 'Inetkit.Cli')], check=True, stdout=subprocess.DEVNULL)
    return built

def serve(binary, spec):
    p = subprocess.Popen([binary, 'serve', 'echo', '--udp', '--port', '0', '--bind', '127.0.0.1', '--impair', spec],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = p.stdout.readline()
    port = int(line.split()[2].rsplit(':', 1)[1])
    return p, port

def exchange(port, n, size, window):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.connect(('127.0.0.1', port))
    s.settimeout(0.3)
    seen = {}
    order = []
    corrupted = 0
    pad = b'x' * (size - 12)
    sent_at = {}
    rtts = []
    for base in range(0, n, window):
        for i in range(base, min(n, base + window)):
            body = struct.pack('!I', i) + pad
            sent_at[i] = time.perf_counter()
            s.send(body + struct.pack('!Q', zlib.crc32(body)))
        deadline = time.perf_counter() + 2.0
        expect = min(n, base + window)
        while time.perf_counter() < deadline:
            try:
                d = s.recv(65536)
            except socket.timeout:
                break
            body, crc = d[:-8], d[-8:]
            if len(d) < 12 or struct.pack('!Q', zlib.crc32(body)) != crc:
                corrupted += 1
                continue
            i = struct.unpack('!I', body[:4])[0]
            if i not in seen:
                rtts.append(time.perf_counter() - sent_at[i])
            seen[i] = seen.get(i, 0) + 1
            order.append(i)
            if all(j in seen for j in range(base, expect)):
                # everything of this window is in: a short wait for its duplicates and stragglers
                deadline = min(deadline, time.perf_counter() + 0.06)
    lost = sum(1 for i in range(n) if i not in seen)
    dup = sum(c - 1 for c in seen.values())
    highest = -1
    reordered = 0
    first = set()
    for i in order:
        if i in first:
            continue
        first.add(i)
        if i < highest:
            reordered += 1
        highest = max(highest, i)
    return dict(lost=lost, duplicated=dup, reordered=reordered, corrupted=corrupted, rtt=sum(rtts) / max(1, len(rtts)))

def ping(port, count, size):
    """Mean round trip of one datagram at a time: what a delay adds, without queueing in it."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(('127.0.0.1', port))
    s.settimeout(2)
    total = 0.0
    for i in range(count):
        t = time.perf_counter()
        s.send(struct.pack('!I', i) + b'x' * (size - 4))
        s.recv(65536)
        total += time.perf_counter() - t
    return total / count * 1000

def throughput(port, count, size):
    """Bits per second of replies, from the first arrival to the last, for a burst far above the rate."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.connect(('127.0.0.1', port))
    s.settimeout(2)
    for i in range(count):
        s.send(b'x' * size)
    first = last = None
    got = 0
    while got < count:
        try:
            s.recv(65536)
        except socket.timeout:
            break
        last = time.perf_counter()
        first = first or last
        got += 1
    return (got - 1) * size * 8 / (last - first)

def bound(p, n):
    return Z * math.sqrt(p * (1 - p) / n)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--count', type=int, default=100_000)
    ap.add_argument('--window', type=int, default=200)
    ap.add_argument('--size', type=int, default=64)
    a = ap.parse_args()
    binary = inetkit()
    ok = True
    n = a.count
    baseline_p, port = serve(binary, 'none')
    base = ping(port, 500, a.size)
    baseline_p.terminate(); baseline_p.wait()
    print(f"baseline: mean round trip {base:.3f} ms, one datagram at a time")
    for key, spec, p in [('lost', 'loss=5%', 0.05), ('duplicated', 'duplicate=1%', 0.01), ('reordered', 'reorder=2%', 0.02), ('corrupted', 'corrupt=1%', 0.01)]:
        proc, port = serve(binary, spec)
        got = exchange(port, n, a.size, a.window)
        proc.terminate(); proc.wait()
        rate = got[key] / n
        within = abs(rate - p) <= bound(p, n)
        ok &= within
        print(f"{spec:16} n={n:,}: {key} {got[key]:,} = {rate:.4%} (configured {p:.2%}, 99.9% bound ±{bound(p, n):.4%}) {'OK' if within else 'OUT'}; all: {got}")
    proc, port = serve(binary, 'delay=20ms')
    extra = ping(port, 200, a.size) - base
    proc.terminate(); proc.wait()
    within = abs(extra - 20) <= max(0.05 * 20, 0.5)
    ok &= within
    print(f"delay=20ms: mean extra round trip {extra:.2f} ms {'OK' if within else 'OUT'}")
    proc, port = serve(binary, 'rate=2mbit,limit=100000')
    measured = throughput(port, 2000, 1000)
    proc.terminate(); proc.wait()
    within = abs(measured - 2e6) <= 0.05 * 2e6
    ok &= within
    print(f"rate=2mbit: {measured / 1e6:.3f} Mbit/s of replies (2,000 x 1,000 bytes) {'OK' if within else 'OUT'}")
    print('PASS' if ok else 'FAIL')
    return 0 if ok else 1

if __name__ == '__main__':
    sys.exit(main())
