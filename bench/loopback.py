"""What the bench scripts share: a free loopback port, and waiting for a server to listen on it."""
import socket, sys, time


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
    """Until a TCP connect to 127.0.0.1:PORT succeeds; exits naming WHAT if the process ends first or never listens."""
    for _ in range(400):
        if proc.poll() is not None:
            sys.exit(f"{what} exited at start: {proc.stderr.read().decode(errors='replace') if proc.stderr else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.025)
    sys.exit(f"{what} is not listening on 127.0.0.1:{port}")
