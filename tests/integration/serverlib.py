"""Starts and stops the server under test for the integration tests.

The server is microredis-server (MICROREDIS_SERVER, set by ctest) unless SERVER_CMD names another
command line, e.g. SERVER_CMD="redis-server --save '' --appendonly no" to check that the tests
describe Redis's behaviour. Every server listens on 127.0.0.1 only, on a free port: one from
MICROREDIS_TEST_PORTS ("7500-7549") when set, else one the kernel hands out.
"""
import os
import random
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

SKIP = 77  # ctest's SKIP_RETURN_CODE for the tests


def _die_with_parent():
    """In the child: be killed when the test process dies (a ctest timeout must not leak servers)."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - best effort, Linux only
        pass


def server_command():
    cmd = os.environ.get("SERVER_CMD")
    if cmd:
        return shlex.split(cmd)
    exe = os.environ.get("MICROREDIS_SERVER")
    if not exe:
        sys.exit("set MICROREDIS_SERVER (the microredis-server binary) or SERVER_CMD")
    return [exe]


def server_argv(args, config_file=None):
    """The server's command line: a configuration file must come right after the program."""
    cmd = server_command()
    return cmd[:1] + ([config_file] if config_file else []) + cmd[1:] + [str(a) for a in args]


def is_microredis():
    """False when the tests run against another server (SERVER_CMD)."""
    return not os.environ.get("SERVER_CMD")


def candidate_ports():
    spec = os.environ.get("MICROREDIS_TEST_PORTS")
    if spec:
        lo, hi = (int(x) for x in spec.split("-"))
        ports = list(range(lo, hi + 1))
        random.shuffle(ports)
        return ports
    ports = []
    for _ in range(8):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            ports.append(s.getsockname()[1])
    return ports


def port_is_free(port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


class Server:
    """A server process on 127.0.0.1:port, optionally with a unix socket; a context manager."""

    def __init__(self, *args, unixsocket=False, config_file=None, tcp=True, preexec_fn=None):
        self.args = [str(a) for a in args]
        self.config_file = config_file
        self.tcp = tcp
        self.want_unix = unixsocket
        self.preexec_fn = preexec_fn
        self.proc = None
        self.port = None
        self.dir = tempfile.mkdtemp(prefix="microredis-it-")
        self.unixsocket = os.path.join(self.dir, "server.sock") if unixsocket else None
        self.log_path = os.path.join(self.dir, "server.log")

    def command(self, port):
        args = ["--port", str(port), "--bind", "127.0.0.1"] if self.tcp else ["--port", "0"]
        args += ["--dir", self.dir]
        if self.unixsocket:
            args += ["--unixsocket", self.unixsocket]
        return server_argv(args + self.args, self.config_file)

    def start(self, ready_timeout=10.0):
        for port in candidate_ports() if self.tcp else [0]:
            if self.tcp and not port_is_free(port):
                continue
            self.port = port
            log = open(self.log_path, "wb")
            self.proc = subprocess.Popen(self.command(port), stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, cwd=self.dir, preexec_fn=self._preexec)
            log.close()
            deadline = time.monotonic() + ready_timeout
            while time.monotonic() < deadline:
                if "eady to accept connections" in self.log():  # with port 0 Redis says "...at <path>"
                    return self
                if self.proc.poll() is not None:
                    break
                time.sleep(0.02)
            if self.proc.poll() is None:
                self.kill()
                raise RuntimeError("server not ready after %.0fs:\n%s" % (ready_timeout, self.log()))
            if "in use" not in self.log():  # anything but a lost race for the port is fatal
                raise RuntimeError("server exited with %s:\n%s" % (self.proc.returncode, self.log()))
        raise RuntimeError("no free port to start the server on")

    def _preexec(self):
        _die_with_parent()
        if self.preexec_fn:
            self.preexec_fn()

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        """Signals the server and returns its exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise RuntimeError("server ignored signal %d for %.0fs" % (sig, timeout))
        return self.proc.returncode

    def kill(self):
        """Ends the process if it still runs and removes its directory."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def connect(self, timeout=5.0):
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)

    def start_for_module(self):
        """start(), stopping the server when the module's tests end (even if setUpModule fails)."""
        unittest.addModuleCleanup(self.kill)
        unittest.addModuleCleanup(self.stop)
        return self.start()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.kill() if exc[0] else self.stop()
        self.kill()


def read_until_closed(sock, limit=1 << 24):
    """Everything the peer sends until it closes (a reset counts as closing)."""
    data = b""
    try:
        while len(data) < limit:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except ConnectionResetError:
        pass
    return data


def read_exactly(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(min(1 << 20, n - len(data)))
        if not chunk:
            raise EOFError("connection closed after %d of %d bytes: %r" % (len(data), n, data[-200:]))
        data += chunk
    return data


def read_line(sock):
    data = b""
    while not data.endswith(b"\r\n"):
        chunk = sock.recv(1)
        if not chunk:
            raise EOFError("connection closed inside a line: %r" % data)
        data += chunk
    return data


def read_reply(sock):
    """One RESP2/RESP3 reply as raw bytes."""
    line = read_line(sock)
    kind, rest = line[:1], line[1:-2]
    if kind in (b"$", b"=", b"!"):
        n = int(rest)
        return line if n < 0 else line + read_exactly(sock, n + 2)
    if kind in (b"*", b"~", b">", b"%", b"|"):
        n = int(rest)
        count = n * 2 if kind in (b"%", b"|") else n
        out = line
        for _ in range(max(count, 0)):
            out += read_reply(sock)
        return out
    return line


def command(*args):
    """A command in RESP."""
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def process_cpu_seconds(pid):
    """User plus system CPU time of a process, from /proc."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def main():
    """unittest's main with a bounded run; exits SKIP when every test was skipped."""
    result = unittest.main(exit=False, verbosity=2).result
    if not result.wasSuccessful():
        sys.exit(1)
    if result.testsRun and len(result.skipped) == result.testsRun:
        sys.exit(SKIP)
    sys.exit(0)
