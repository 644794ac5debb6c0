#!/usr/bin/env python3
"""Soak: one `inetkit serve` with all six services under a bounded mixed load for DURATION seconds, its resident
memory, open descriptors and threads sampled from /proc, and a verdict on whether they stay flat after the warm-up
(issue #6). Not part of CI.

Builds inetkit (Release) and the neutral load generator (INETKIT_BENCH, else ../shared/bench beside the repository),
starts ONE server on 127.0.0.1 with every service on a free --port-offset, and drives, all at once, in rounds of
ROUND seconds (loadgen caps a run at 60 s): loadgen tcp-echo and udp-echo against echo, tcp-connect against qotd and
daytime, tcp-sink against discard and tcp-source against chargen; from this script, paced UDP requests to daytime,
qotd, chargen, time and discard, and TCP time transactions. It prints the samples over time, the work done, every
error and loss figure, and FLAT or NOT FLAT. Exit status: 0 flat and clean, 1 otherwise, 130 interrupted.

Loopback only: every socket here and in loadgen talks to 127.0.0.1. Every process started is stopped at the end,
on Ctrl+C and on SIGTERM.

Usage: bench/soak.py [--duration S] [--warmup S] [--round S] [--sample-every S] [--table-every S] [--inetkit PATH]
                     [--samples-csv FILE] [--only WORD...]
"""
import argparse, ctypes, json, os, random, select, shutil, signal, socket, statistics, struct, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOST = "127.0.0.1"  # the only address anything here ever talks to
MAX_DURATION = 1800
LOADGEN_MAX_SECONDS = 60  # loadgen's own cap on --duration
WELL_KNOWN = {"echo": 7, "discard": 9, "daytime": 13, "qotd": 17, "chargen": 19, "time": 37}

# The loadgen loads, run side by side in every round: name, service, loadgen mode and arguments. Small counts on
# purpose: the point is flatness over time on a shared 2-CPU machine, not peak throughput; each still runs flat out.
LOADGEN_LOADS = [
    ("tcp-echo", "echo", ["tcp-echo", "--conns", "16", "--size", "128", "--depth", "1"]),
    ("udp-echo", "echo", ["udp-echo", "--socks", "2", "--size", "64", "--window", "8"]),
    ("tcp-connect qotd", "qotd", ["tcp-connect", "--conns", "4", "--min-bytes", "1"]),
    # ctime ('Thu Feb  7 06:28:16 2036' and CRLF) is always 26 bytes.
    ("tcp-connect daytime", "daytime", ["tcp-connect", "--conns", "4", "--min-bytes", "26"]),
    ("tcp-sink discard", "discard", ["tcp-sink", "--conns", "1"]),
    ("tcp-source chargen", "chargen", ["tcp-source", "--conns", "1"]),
]
# loadgen figures that count work, summed over the rounds (tcp-echo's bytes are worked out from msgs x size).
WORK_FIGURES = ("msgs", "sent", "received", "transactions", "bytes")
# loadgen figures that mean something went wrong; any non-zero one fails the run (UDP loss: see LOSS_LIMIT_PCT).
ERROR_FIGURES = ("errors", "mismatches", "timeouts", "short_reads", "unexpected_bytes")
LOSS_FIGURES = ("lost", "late")
# UDP may drop a datagram on a busy shared machine (a 200-ms scheduling stall is enough), so a few losses are
# reported but do not fail the run; a server that stops answering would lose far more than this.
LOSS_LIMIT_PCT = 1.0

# The load this script adds itself, paced (loadgen has no mode for UDP request/response services other than echo).
UDP_REQUEST_SERVICES = ("daytime", "qotd", "chargen", "time", "discard")
UDP_TICKS_PER_S = 50  # one datagram to each of the five services per tick: 250 datagrams/s
TCP_TIME_PER_S = 20
RFC868_EPOCH_OFFSET = 2_208_988_800  # seconds from 1900-01-01 to 1970-01-01

# The verdict's thresholds (justified in judge_flatness).
RSS_GROWTH_MIN_MB = 5.0
RSS_GROWTH_PCT = 10.0
FD_SLACK = 8
THREAD_BAND = 6
IDLE_FD_TOLERANCE = 2


# ---------------------------------------------------------------------------------------------------- set-up

def build(work, bench, inetkit_path):
    """Builds loadgen (always) and inetkit (unless a path is given); returns both paths."""
    print("building loadgen...", file=sys.stderr)
    subprocess.run(["bash", os.path.join(bench, "build.sh"), os.path.join(work, "bench")], check=True, stdout=subprocess.DEVNULL)
    if inetkit_path:
        return os.path.join(work, "bench", "loadgen"), os.path.abspath(inetkit_path)
    print("building inetkit (Release)...", file=sys.stderr)
    subprocess.run(["dotnet", "build", "-c", "Release", os.path.join(ROOT, "src", "Inetkit.Cli"), "-o", os.path.join(work, "inetkit")], check=True, stdout=subprocess.DEVNULL)
    return os.path.join(work, "bench", "loadgen"), os.path.join(work, "inetkit", "inetkit")


def port_is_free(port):
    """True if PORT can be bound on 127.0.0.1 for both TCP and UDP right now."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            t.bind((HOST, port))
            u.bind((HOST, port))
            return True
    except OSError:
        return False


def free_port_offset():
    """An N for --port-offset with 7+N ... 37+N all free. Below the ephemeral range (32768-60999 by default), where
    the load's own client sockets come and go by the hundred thousand, so that what is free now stays free."""
    for _ in range(500):
        offset = random.randrange(20000, 32700)
        if all(port_is_free(port + offset) for port in WELL_KNOWN.values()):
            return offset
    sys.exit("no free --port-offset found between 20000 and 32700")


def die_with_parent():
    """Runs in the server's child process before exec: the kernel kills the server if this script dies without
    cleaning up (SIGKILL, a crash), so no server outlives a soak. Safe here: no thread has started yet."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def start_server(inetkit, offset, work):
    """Starts `inetkit serve` with all six services on 127.0.0.1 and waits until every TCP port accepts.
    stdout and stderr go to files: a pipe nobody reads for 5 minutes could fill up and stall the server."""
    cmd = [inetkit, "serve", "--bind", HOST, "--port-offset", str(offset)]
    out, err = open(os.path.join(work, "serve.out"), "wb"), open(os.path.join(work, "serve.err"), "wb")
    proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)
    out.close()
    err.close()
    for port in (p + offset for p in WELL_KNOWN.values()):
        wait_listening(port, proc, work)
    wait_endpoints_printed(os.path.join(work, "serve.out"), 2 * len(WELL_KNOWN))
    return proc, cmd


def wait_endpoints_printed(path, count):
    """The server prints its endpoints (one line per socket) just after it binds them, so a moment after the ports
    accept; wait for them, for the record of what was soaked."""
    for _ in range(100):
        if len(read_text(path).strip().splitlines()) >= count:
            return
        time.sleep(0.05)


def wait_listening(port, proc, work):
    for _ in range(200):
        if proc.poll() is not None:
            sys.exit(f"inetkit serve exited at start:\n{read_text(os.path.join(work, 'serve.err'))}")
        try:
            with socket.create_connection((HOST, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"inetkit serve is not listening on {HOST}:{port}")


def read_text(path):
    with open(path, "rb") as f:
        return f.read().decode(errors="replace")


# ---------------------------------------------------------------------------------------------------- sampling

class Sample:
    def __init__(self, t, rss_kb, fds, threads, cpu_s):
        self.t, self.rss_kb, self.fds, self.threads, self.cpu_s = t, rss_kb, fds, threads, cpu_s

    @property
    def rss_mb(self):
        return self.rss_kb / 1024


def sample_process(pid, t):
    """One reading of the server from /proc: VmRSS and Threads (status), open descriptors (entries of fd/), and the
    CPU time used so far (utime + stime from stat)."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            name, _, value = line.partition(":")
            fields[name] = value.strip()
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    with open(f"/proc/{pid}/stat") as f:
        # The command name (field 2) may hold spaces; the fields after its closing parenthesis start at field 3.
        after_name = f.read().rsplit(")", 1)[1].split()
    cpu_ticks = int(after_name[11]) + int(after_name[12])
    return Sample(t, int(fields["VmRSS"].split()[0]), fds, int(fields["Threads"]), cpu_ticks / os.sysconf("SC_CLK_TCK"))


class Sampler(threading.Thread):
    """Samples the server every EVERY seconds; t counts from the start of the load."""

    def __init__(self, pid, every, t0, stop):
        super().__init__(daemon=True)
        self.pid, self.every, self.t0, self.stop = pid, every, t0, stop
        self.samples = []

    def run(self):
        while not self.stop.is_set():
            try:
                self.samples.append(sample_process(self.pid, time.monotonic() - self.t0))
            except (OSError, IndexError, KeyError, ValueError):
                return  # the server is gone; main() notices and says so
            self.stop.wait(self.every)


# ---------------------------------------------------------------------------------------------------- Python loads

def judge_rfc868(data):
    """True if DATA is 4 bytes of RFC 868 time within 5 s of this machine's clock (the server's clock too)."""
    if len(data) != 4:
        return False
    expected = int(time.time()) + RFC868_EPOCH_OFFSET
    drift = (struct.unpack("!I", data)[0] - expected) % 2**32
    return min(drift, 2**32 - drift) <= 5


def judge_udp_reply(service, data):
    """True if DATA is a plausible reply from SERVICE over UDP (RFC 864, 865, 867, 868)."""
    text_ok = all(32 <= b < 127 or b in (9, 10, 13) for b in data)
    if service == "time":
        return judge_rfc868(data)
    if service == "daytime":
        return 0 < len(data) <= 512 and text_ok and data.endswith(b"\n")
    if service == "qotd":
        return 0 < len(data) <= 512 and text_ok
    if service == "chargen":
        return len(data) <= 512 and text_ok
    return False  # discard never answers


class UdpRequests(threading.Thread):
    """Paced UDP requests: each tick one datagram to each of daytime, qotd, chargen, time and discard, then whatever
    replies come until the next tick. Replies carry no request id, so loss is counted at the end: sent minus
    replies (discard's datagrams excepted), after a last wait for stragglers."""

    def __init__(self, ports, stop):
        super().__init__(daemon=True)
        self.ports, self.stop = ports, stop
        self.sent = {s: 0 for s in UDP_REQUEST_SERVICES}
        self.replies = {s: 0 for s in UDP_REQUEST_SERVICES}
        self.bad = {s: 0 for s in UDP_REQUEST_SERVICES}
        self.errors = 0
        self.first_problem = None

    def run(self):
        socks = {}
        for service in UDP_REQUEST_SERVICES:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.connect((HOST, self.ports[service]))  # an ephemeral source port: never one the loop guard drops
            s.setblocking(False)
            socks[service] = s
        by_fd = {s.fileno(): name for name, s in socks.items()}
        try:
            period = 1.0 / UDP_TICKS_PER_S
            next_tick = time.monotonic()
            while not self.stop.is_set():
                for service, s in socks.items():
                    try:
                        s.send(b"soak\r\n")
                        self.sent[service] += 1
                    except OSError as e:
                        self.note_error(f"udp {service} send: {e}")
                next_tick += period
                self.read_replies(socks, by_fd, next_tick)
            self.read_replies(socks, by_fd, time.monotonic() + 1.0)  # stragglers
        finally:
            for s in socks.values():
                s.close()

    def read_replies(self, socks, by_fd, until):
        # discard's socket is watched too: a reply from discard would be a bug.
        while (left := until - time.monotonic()) > 0:
            readable, _, _ = select.select(list(socks.values()), [], [], left)
            for s in readable:
                service = by_fd[s.fileno()]
                try:
                    data = s.recv(65535)
                except BlockingIOError:
                    continue
                except OSError as e:  # ECONNREFUSED: nothing listens any more
                    self.note_error(f"udp {service} recv: {e}")
                    continue
                self.replies[service] += 1
                if not judge_udp_reply(service, data):
                    self.bad[service] += 1
                    self.first_problem = self.first_problem or f"udp {service}: unexpected reply {data[:40]!r}"

    def note_error(self, what):
        self.errors += 1
        self.first_problem = self.first_problem or what


class TcpTimeRequests(threading.Thread):
    """Paced TCP time transactions (RFC 868): connect, read to the server's close, expect 4 bytes, close."""

    def __init__(self, port, stop):
        super().__init__(daemon=True)
        self.port, self.stop = port, stop
        self.transactions = self.bad = self.errors = 0
        self.first_problem = None

    def run(self):
        period = 1.0 / TCP_TIME_PER_S
        next_tick = time.monotonic()
        while not self.stop.is_set():
            try:
                with socket.create_connection((HOST, self.port), timeout=5) as s:
                    data = b""
                    while chunk := s.recv(64):
                        data += chunk
                self.transactions += 1
                if not judge_rfc868(data):
                    self.bad += 1
                    self.first_problem = self.first_problem or f"tcp time: unexpected reply {data[:40]!r}"
            except OSError as e:
                self.errors += 1
                self.first_problem = self.first_problem or f"tcp time: {e}"
            next_tick += period
            self.stop.wait(max(0.0, next_tick - time.monotonic()))


# ---------------------------------------------------------------------------------------------------- loadgen rounds

def run_loadgen_round(loadgen, loads, ports, seconds, running):
    """Runs the LOADS at once for SECONDS; returns [(name, JSON result or None, loadgen's notes)].
    RUNNING holds the live processes so that cleanup can stop them if this is interrupted."""
    if not loads:
        time.sleep(seconds)  # only the Python loads run (--only)
        return []
    started = []
    for name, service, mode in loads:
        cmd = [loadgen, mode[0], HOST, str(ports[service])] + mode[1:] + ["--duration", str(seconds)]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        running.append(proc)
        started.append((name, proc))
    results = []
    for name, proc in started:
        try:
            out, err = proc.communicate(timeout=seconds + 30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            err += "\nsoak: loadgen overran its duration by 30 s and was killed"
        running.remove(proc)
        lines = out.strip().splitlines()
        try:
            result = json.loads(lines[-1]) if lines else None
        except json.JSONDecodeError:
            result = None
        # After its banner loadgen describes the first error it saw; "connected; measuring" is not one.
        notes = [line for line in err.strip().splitlines()[1:] if "connected; measuring" not in line]
        if result is None:
            notes.append(f"no JSON from loadgen (exit status {proc.returncode})")
        results.append((name, result, notes))
    return results


class LoadTotals:
    """Work and problem figures of each loadgen load, summed over the rounds."""

    def __init__(self, loads):
        self.figures = {name: {} for name, *_ in loads}
        self.notes = {name: [] for name, *_ in loads}
        self.broken_rounds = {name: 0 for name, *_ in loads}

    def add(self, name, result, notes):
        if result is None:
            self.broken_rounds[name] += 1
        else:
            figures = self.figures[name]
            for key in WORK_FIGURES + ERROR_FIGURES + LOSS_FIGURES + ("duration_s",):
                if key in result:
                    figures[key] = figures.get(key, 0) + result[key]
            if result["mode"] == "tcp-echo":
                figures["bytes"] = figures.get("bytes", 0) + result["msgs"] * result["size"]
        if notes and len(self.notes[name]) < 3:
            self.notes[name].extend(notes[: 3 - len(self.notes[name])])


# ---------------------------------------------------------------------------------------------------- the verdict

def least_squares_slope(points):
    """Slope of the least-squares line through (x, y) points (0 with fewer than two)."""
    if len(points) < 2:
        return 0.0
    mx = statistics.fmean(x for x, _ in points)
    my = statistics.fmean(y for _, y in points)
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else 0.0


def judge_flatness(samples, warmup, idle_before, idle_after):
    """Compares the samples after the warm-up; returns (flat, lines to print, the RSS limit in MB).

    The first and last windows after the warm-up (30 s each, or a third of what follows the warm-up if that is
    shorter) are compared by their medians, so that one odd sample decides nothing.

    RSS: the last window may be at most max(5 MB, 10% of the first) above the first. With no leak at all, a .NET
    process's RSS moves by a few MB: the GC's gen0 budget, a new heap region committed, the tiered JIT's second
    compilations (steps of 1-5 MB were seen, after which it stays level). A leak grows with the work instead, and
    at the rates here (tens of thousands of operations a second, printed as the sensitivity) 5 MB over minutes is
    well under a byte per operation: whatever leaks per connection or per datagram crosses it. The least-squares
    trend is printed too, but not judged: a GC step late in the run inflates it without being growth.

    Descriptors: a sample counts the connections open at that instant, which the load keeps steady; but with
    thousands of tcp-connect transactions a second, a 40-ms lag in the server reading the clients' closes (a GC
    pause, the machine's other tenants) shows in one sample as 100 more. So the last window's median may be at
    most 8 above the first's (transient spikes are counted and shown, not judged), and once the load has stopped
    and settled the count must be back at the idle count before the load within 2: that catches a leak of even
    a handful of descriptors.

    Threads: within a band of 6 after the warm-up (the thread pool adds or retires a worker or two); a leaked
    thread per connection would be thousands.
    """
    after = [s for s in samples if s.t >= warmup]
    if len(after) < 3:
        return False, [f"too few samples after the warm-up ({len(after)}); run longer or lower --warmup"], None
    span = after[-1].t - after[0].t
    window = min(30.0, span / 3)
    first = [s for s in after if s.t <= after[0].t + window]
    last = [s for s in after if s.t >= after[-1].t - window]
    lines, flat = [], True

    def figures(name, value, fmt):
        low, high = min(after, key=value), max(after, key=value)
        start, end = statistics.median(map(value, first)), statistics.median(map(value, last))
        text = (f"{name:<8} after warm-up: min {value(low):{fmt}}  max {value(high):{fmt}} (at {high.t:.0f} s)"
                f"  first {window:.0f} s {start:{fmt}}  last {window:.0f} s {end:{fmt}}  growth {end - start:+{fmt}}")
        return start, end, text

    rss_start, rss_end, text = figures("RSS MB", lambda s: s.rss_mb, ".1f")
    rss_limit = max(RSS_GROWTH_MIN_MB, rss_start * RSS_GROWTH_PCT / 100)
    slope = least_squares_slope([(s.t / 60, s.rss_mb) for s in after])  # MB per minute
    rss_ok = rss_end - rss_start <= rss_limit
    flat &= rss_ok
    lines.append(f"{text} (limit {rss_limit:.1f})  trend {slope:+.2f} MB/min  {'ok' if rss_ok else 'GROWING'}")

    fd_start, fd_end, text = figures("fds", lambda s: s.fds, ".0f")
    spikes = [s for s in after if s.fds > fd_start + FD_SLACK]
    idle_ok = idle_after is not None and abs(idle_after.fds - idle_before.fds) <= IDLE_FD_TOLERANCE
    fds_ok = fd_end - fd_start <= FD_SLACK and idle_ok
    flat &= fds_ok
    lines.append(f"{text} (limit {FD_SLACK})  idle before {idle_before.fds}, idle after {idle_after.fds if idle_after else '?'}"
                 f" (limit ±{IDLE_FD_TOLERANCE})  {'ok' if fds_ok else 'NOT FLAT'}")
    if spikes:
        lines.append(f"{'':<8} transient: {len(spikes)} of {len(after)} samples more than {FD_SLACK} above the first window's median"
                     f" (at {', '.join(f'{s.t:.0f} s: {s.fds}' for s in spikes[:8])}{', ...' if len(spikes) > 8 else ''})")

    _, _, text = figures("threads", lambda s: s.threads, ".0f")
    thread_band = max(s.threads for s in after) - min(s.threads for s in after)
    threads_ok = thread_band <= THREAD_BAND
    flat &= threads_ok
    lines.append(f"{text}  band {thread_band} (limit {THREAD_BAND})  idle before {idle_before.threads},"
                 f" idle after {idle_after.threads if idle_after else '?'}  {'ok' if threads_ok else 'NOT FLAT'}")
    return flat, lines, rss_limit


# ---------------------------------------------------------------------------------------------------- printing

def print_samples_table(samples, every, warmup, idle_before, idle_after):
    """One row per EVERY seconds of load: medians of the samples in it, and the highest RSS and descriptor counts.
    Medians, because a single sample may land in the second between two loadgen rounds (every client closed) or
    on a transient; CPU is the server's share of one CPU over the interval."""
    print(f"{'t (s)':>9} {'RSS MB':>7} {'max':>6} {'fds':>5} {'max':>5} {'threads':>8} {'CPU %':>6}   (medians over each interval, and maxima)")
    print(f"{'idle':>9} {idle_before.rss_mb:7.1f} {'':>6} {idle_before.fds:5d} {'':>5} {idle_before.threads:8d} {'':>6}   before the load")
    previous = idle_before
    for start in range(0, int(samples[-1].t) + 1, every):
        rows = [s for s in samples if start <= s.t < start + every]
        if not rows:
            continue
        last = rows[-1]
        cpu = f"{100 * (last.cpu_s - previous.cpu_s) / (last.t - previous.t):6.0f}" if last.t - previous.t >= 1 else f"{'':>6}"
        note = "   warm-up" if start < warmup else ""
        print(f"{f'{start}-{min(start + every, round(samples[-1].t))}':>9} {statistics.median(s.rss_mb for s in rows):7.1f}"
              f" {max(s.rss_mb for s in rows):6.1f} {statistics.median(s.fds for s in rows):5.0f} {max(s.fds for s in rows):5d}"
              f" {statistics.median(s.threads for s in rows):8.0f} {cpu}{note}")
        previous = last
    if idle_after:
        print(f"{'idle':>9} {idle_after.rss_mb:7.1f} {'':>6} {idle_after.fds:5d} {'':>5} {idle_after.threads:8d} {'':>6}   after the load, settled")


def print_work_and_problems(totals, udp, tcp_time):
    """Work done per load and every error, mismatch and loss figure; returns True if none fails the run."""
    clean = True
    print("\nwork done (all rounds), and problems:")
    for name, f in totals.figures.items():
        seconds = f.get("duration_s", 0) or 1
        if "msgs" in f:
            work = f"{f['msgs']:,} messages, {f['bytes'] / 1e6:,.1f} MB echoed ({f['msgs'] / seconds:,.0f}/s)"
        elif "sent" in f:
            work = f"{f['sent']:,} datagrams sent, {f['received']:,} echoed ({f['received'] / seconds:,.0f}/s)"
        elif "transactions" in f:
            work = f"{f['transactions']:,} transactions ({f['transactions'] / seconds:,.0f}/s)"
        elif "bytes" in f:
            work = f"{f['bytes'] / 1e6:,.1f} MB ({f['bytes'] / 1e6 / seconds:,.1f} MB/s)"
        else:
            work = "no result"
        problems = {k: f[k] for k in ERROR_FIGURES + LOSS_FIGURES if f.get(k)}
        if totals.broken_rounds[name]:
            problems["rounds without a result"] = totals.broken_rounds[name]
        if any(f.get(k) for k in ERROR_FIGURES) or totals.broken_rounds[name]:
            clean = False
        loss_pct = 100 * f.get("lost", 0) / f["sent"] if f.get("sent") else 0.0
        if loss_pct > LOSS_LIMIT_PCT:
            clean = False
        shown = ", ".join(f"{k} {v:,}" for k, v in problems.items()) or "none"
        print(f"  {name:<20} {work}; problems: {shown}" + (f" (loss {loss_pct:.3f}%)" if f.get("lost") else ""))
        for note in totals.notes[name]:
            print(f"  {'':<20}   loadgen says: {note.strip()}")

    if udp:
        sent = sum(udp.sent[s] for s in UDP_REQUEST_SERVICES if s != "discard")
        replies = sum(udp.replies[s] for s in UDP_REQUEST_SERVICES if s != "discard")
        unanswered = sent - replies
        bad = sum(udp.bad.values())
        per_service = ", ".join(f"{s} {udp.replies[s]:,}/{udp.sent[s]:,}" for s in UDP_REQUEST_SERVICES if s != "discard")
        print(f"  {'udp requests (py)':<20} {sent + udp.sent['discard']:,} datagrams sent ({udp.sent['discard']:,} to discard), "
              f"{replies:,} replies ({per_service}); problems: unanswered {unanswered:,}, bad replies {bad:,}, "
              f"replies from discard {udp.replies['discard']:,}, socket errors {udp.errors:,}")
        if bad or udp.errors or udp.replies["discard"] or (sent and 100 * unanswered / sent > LOSS_LIMIT_PCT):
            clean = False
    if tcp_time:
        print(f"  {'tcp time (py)':<20} {tcp_time.transactions:,} transactions; problems: bad replies {tcp_time.bad:,}, errors {tcp_time.errors:,}")
        if tcp_time.bad or tcp_time.errors:
            clean = False
    for load in (udp, tcp_time):
        if load and load.first_problem:
            print(f"  {'':<20}   first problem: {load.first_problem}")
    return clean


def write_samples_csv(path, idle_before, samples, idle_after):
    """Every sample, for a closer look; the idle readings before and after the load are marked in the last column."""
    with open(path, "w") as f:
        f.write("t_s,rss_kb,fds,threads,cpu_s,when\n")
        for s, when in [(idle_before, "idle before")] + [(s, "load") for s in samples] + ([(idle_after, "idle after")] if idle_after else []):
            f.write(f"{s.t:.1f},{s.rss_kb},{s.fds},{s.threads},{s.cpu_s:.2f},{when}\n")


def count_operations(totals, udp, tcp_time):
    """A rough count of what the server did (messages, datagrams, transactions, and 64-KB chunks of the streams),
    for the leak sensitivity printed with the verdict."""
    n = (sum(udp.sent.values()) if udp else 0) + (tcp_time.transactions if tcp_time else 0)
    for f in totals.figures.values():
        n += f.get("msgs", 0) + f.get("sent", 0) + f.get("transactions", 0)
    n += sum(f.get("bytes", 0) for name, f in totals.figures.items() if name != "tcp-echo") // 65536
    return n


# ---------------------------------------------------------------------------------------------------- main

def raise_interrupt(signum, frame):
    """SIGTERM ends the soak the way Ctrl+C does, through the same clean-up."""
    raise KeyboardInterrupt

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=300, help=f"seconds of load (default 300, at most {MAX_DURATION})")
    parser.add_argument("--warmup", type=int, default=60, help="seconds of load before the flatness is judged (default 60)")
    parser.add_argument("--round", type=int, default=30, help=f"seconds per loadgen round (default 30, at most {LOADGEN_MAX_SECONDS})")
    parser.add_argument("--sample-every", type=float, default=2.0, help="seconds between samples of the server (default 2)")
    parser.add_argument("--table-every", type=int, default=30, help="seconds between rows of the printed table (default 30)")
    parser.add_argument("--inetkit", help="an inetkit executable to soak (a Native AOT build, say) instead of building one")
    parser.add_argument("--samples-csv", metavar="FILE", help="also write every sample to FILE (t_s, rss_kb, fds, threads, cpu_s)")
    parser.add_argument("--only", nargs="+", metavar="WORD", help="run only the loads whose names contain one of these words "
                        "(tcp-echo, udp-echo, qotd, daytime, discard, chargen, 'udp requests', 'tcp time'): to find which load makes a figure grow")
    args = parser.parse_args()
    if not 1 <= args.duration <= MAX_DURATION:
        parser.error(f"--duration must be between 1 and {MAX_DURATION} seconds")
    if not 0 <= args.warmup < args.duration:
        parser.error("--warmup must be at least 0 and shorter than --duration")
    if not 1 <= args.round <= LOADGEN_MAX_SECONDS:
        parser.error(f"--round must be between 1 and {LOADGEN_MAX_SECONDS} seconds")
    if not 0.2 <= args.sample_every <= 60:
        parser.error("--sample-every must be between 0.2 and 60 seconds")

    bench = os.environ.get("INETKIT_BENCH") or os.path.join(ROOT, "..", "shared", "bench")
    if not os.path.isfile(os.path.join(bench, "build.sh")):
        sys.exit(f"no load generator: {bench}/build.sh is missing; set INETKIT_BENCH to the directory holding loadgen.c and build.sh")

    def selected(name):
        return not args.only or any(word in name for word in args.only)
    loads = [(name, service, mode) for name, service, mode in LOADGEN_LOADS if selected(name)]
    python_loads = [name for name in ("udp requests", "tcp time") if selected(name)]
    if not loads and not python_loads:
        parser.error("--only matches no load")

    signal.signal(signal.SIGTERM, raise_interrupt)
    work = tempfile.mkdtemp(prefix="inetkit-soak-")
    server, running, stop = None, [], threading.Event()
    interrupted = False
    try:
        loadgen, inetkit = build(work, bench, args.inetkit)
        offset = free_port_offset()
        ports = {service: port + offset for service, port in WELL_KNOWN.items()}
        server, server_cmd = start_server(inetkit, offset, work)
        print(f"server: {' '.join(server_cmd)} (pid {server.pid})")
        print("  " + "\n  ".join(read_text(os.path.join(work, "serve.out")).strip().splitlines()))
        print("UDP limits: none given. `serve --help`: --udp-rate and --udp-global-rate default to unlimited for loopback "
              "sources and apply to loopback only when given, so no option is needed to raise them here; the loop "
              "guards drop only datagrams from source ports below 1024 and from service ports, and every client "
              "socket here has an ephemeral source port.")
        print(f"load: {args.duration} s in rounds of {args.round} s, warm-up {args.warmup} s, a sample every {args.sample_every:g} s; "
              f"loadgen: " + ("; ".join(f"{name} ({' '.join(mode[1:])})" for name, _, mode in loads) or "none")
              + "; python: " + ("; ".join(python_loads) or "none")
              + f" (UDP requests {UDP_TICKS_PER_S * len(UDP_REQUEST_SERVICES)}/s to {', '.join(UDP_REQUEST_SERVICES)}; "
              f"TCP time {TCP_TIME_PER_S}/s); {os.cpu_count()} CPUs, shared", flush=True)

        time.sleep(2)  # let start-up settle before the idle reading
        idle_before = sample_process(server.pid, 0.0)
        t0 = time.monotonic()
        sampler = Sampler(server.pid, args.sample_every, t0, stop)
        udp = UdpRequests(ports, stop) if "udp requests" in python_loads else None
        tcp_time = TcpTimeRequests(ports["time"], stop) if "tcp time" in python_loads else None
        threads = [thread for thread in (sampler, udp, tcp_time) if thread]
        for thread in threads:
            thread.start()

        totals = LoadTotals(loads)
        try:
            round_number = 0
            while (left := args.duration - (time.monotonic() - t0)) >= 1:
                round_number += 1
                seconds = min(args.round, int(left))
                for name, result, notes in run_loadgen_round(loadgen, loads, ports, seconds, running):
                    totals.add(name, result, notes)
                t = time.monotonic() - t0
                last = sampler.samples[-1] if sampler.samples else None
                print(f"  round {round_number} done at {t:.0f} s" + (f": RSS {last.rss_mb:.1f} MB, {last.fds} fds, {last.threads} threads" if last else ""),
                      file=sys.stderr, flush=True)
                if server.poll() is not None:
                    print(f"inetkit serve exited during the soak (status {server.returncode})")
                    break
        except KeyboardInterrupt:
            interrupted = True
        stop.set()
        for thread in threads:
            thread.join(timeout=5)

        idle_after = None
        if server.poll() is None and not interrupted:
            time.sleep(5)  # let the server close what the last round left open before the idle reading
            idle_after = sample_process(server.pid, time.monotonic() - t0)

        print(f"\nsamples ({len(sampler.samples)}, one every {args.sample_every:g} s; shown per {args.table_every} s):")
        if sampler.samples:
            print_samples_table(sampler.samples, args.table_every, args.warmup, idle_before, idle_after)
        clean = print_work_and_problems(totals, udp, tcp_time)
        if args.samples_csv:
            write_samples_csv(args.samples_csv, idle_before, sampler.samples, idle_after)

        print("\nflatness after the warm-up:")
        flat, lines, rss_limit = judge_flatness(sampler.samples, args.warmup, idle_before, idle_after)
        for line in lines:
            print("  " + line)
        if rss_limit:
            # The work after the warm-up, taken as its share of the time (the rates are steady round to round).
            after_warmup = count_operations(totals, udp, tcp_time) * (sampler.samples[-1].t - args.warmup) / sampler.samples[-1].t
            if after_warmup:
                print(f"  sensitivity: about {after_warmup:,.0f} operations after the warm-up: a leak of "
                      f"{rss_limit * 1024 * 1024 / after_warmup:.2f} bytes per operation or more crosses the RSS limit")
        server_log = read_text(os.path.join(work, "serve.err")).strip().splitlines()
        server_notes = [line for line in server_log if "serving" not in line]
        if server_notes:
            print(f"\nthe server said ({len(server_notes)} lines; the first 10):")
            for line in server_notes[:10]:
                print("  " + line)
        if interrupted:
            print("\nINTERRUPTED: no verdict")
            return 130
        verdict = "FLAT" if flat else "NOT FLAT"
        print(f"\nverdict: {verdict}; {'no errors or mismatches' if clean else 'ERRORS (see above)'}")
        return 0 if flat and clean else 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        stop.set()
        for proc in list(running):
            proc.kill()
        if server is not None and server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
