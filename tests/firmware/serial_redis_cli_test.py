#!/usr/bin/env python3
"""redis-cli against the firmware: QEMU (mps2-an386) runs the image in serve mode with UART0 as a
TCP socket on 127.0.0.1, and the standard client talks to the engine over the emulated serial line.

    serial_redis_cli_test.py <microredis-fw.elf>

Ports come from MICROREDIS_FIRMWARE_PORTS (default 8100-8120); the first free one is used. The
whole test is bounded (30 s by default, MICROREDIS_FIRMWARE_TEST_SECONDS) and always stops QEMU.
Exit status: 0 passed, 1 failed, 77 skipped (no qemu-system-arm or redis-cli).
"""
import os
import shutil
import socket
import subprocess
import sys
import threading
import time

DEADLINE = time.monotonic() + float(os.environ.get("MICROREDIS_FIRMWARE_TEST_SECONDS", "30"))
failures = []
checks = 0


def remaining():
    return max(0.5, DEADLINE - time.monotonic())


def port_range():
    text = os.environ.get("MICROREDIS_FIRMWARE_PORTS", "8100-8120")
    lo, _, hi = text.partition("-")
    return range(int(lo), int(hi or lo) + 1)


def port_is_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


class Qemu:
    """QEMU in serve mode; its semihosting console is collected by a reader thread."""

    def __init__(self, elf, port):
        self.port = port
        self.lines = []
        self.proc = subprocess.Popen(
            ["qemu-system-arm", "-M", "mps2-an386", "-nographic", "-monitor", "none",
             "-semihosting-config", "enable=on,target=native",
             "-serial", f"tcp:127.0.0.1:{port},server=on,wait=off",
             "-kernel", elf, "-append", "serve"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_ready(self, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if any("serving on UART0" in l for l in self.lines):
                return True
            if self.proc.poll() is not None:
                return False
            time.sleep(0.02)
        return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(timeout=2)


def start(elf):
    for port in port_range():
        if not port_is_free(port):
            continue
        q = Qemu(elf, port)
        if q.wait_ready(min(10, remaining())):
            return q
        q.stop()
        if not any("Address already in use" in l for l in q.lines):
            sys.stderr.write("QEMU did not start:\n" + "\n".join(q.lines) + "\n")
            return None
    sys.stderr.write("no free port in %s\n" % os.environ.get("MICROREDIS_FIRMWARE_PORTS", "8100-8120"))
    return None


def cli(port, *args, stdin=None):
    r = subprocess.run(["redis-cli", "-p", str(port), *args], input=stdin, capture_output=True, text=True,
                       timeout=min(10, remaining()))
    return r.stdout.rstrip("\n")


def check(what, got, want):
    global checks
    checks += 1
    if got != want:
        failures.append(f"{what}: got {got!r}, want {want!r}")


def reply_end(data, pos=0):
    """The end of the RESP2 reply starting at pos, or None while it is incomplete."""
    eol = data.find(b"\r\n", pos)
    if eol < 0:
        return None
    kind, value = data[pos:pos + 1], data[pos + 1:eol]
    pos = eol + 2
    if kind == b"$":
        n = int(value)
        return pos if n < 0 else (pos + n + 2 if len(data) >= pos + n + 2 else None)
    if kind == b"*":
        for _ in range(max(0, int(value))):
            pos = reply_end(data, pos)
            if pos is None:
                return None
    return pos


def replies_end(data, count):
    pos = 0
    for _ in range(count):
        pos = reply_end(data, pos)
        if pos is None:
            return None
    return pos


def raw_command(port, payload, timeout, replies=1):
    """Sends payload on a fresh connection; returns the whole of the first `replies` replies.
    The connection is closed only after them: closing with replies unread makes the host's TCP
    reset the connection, and QEMU then drops the bytes it had not yet passed to the UART."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(payload)
        data = b""
        end = time.monotonic() + timeout
        while replies_end(data, replies) is None and time.monotonic() < end:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


def run(port):
    check("PING", cli(port, "PING"), "PONG")
    check("SET", cli(port, "SET", "greeting", "hello from a Cortex-M4"), "OK")
    check("GET", cli(port, "GET", "greeting"), "hello from a Cortex-M4")
    check("INCR", cli(port, "INCR", "counter"), "1")
    check("INCR again", cli(port, "INCR", "counter"), "2")
    check("HSET", cli(port, "HSET", "h", "f1", "v1", "f2", "v2"), "2")
    check("HGETALL", cli(port, "HGETALL", "h"), "f1\nv1\nf2\nv2")
    check("ZADD", cli(port, "ZADD", "z", "1", "one", "2", "two", "3", "three"), "3")
    check("ZRANGE", cli(port, "ZRANGE", "z", "0", "-1", "WITHSCORES"), "one\n1\ntwo\n2\nthree\n3")
    check("wrong type", cli(port, "GET", "h"), "WRONGTYPE Operation against a key holding the wrong kind of value")
    check("DBSIZE", cli(port, "DBSIZE"), "4")
    check("unknown command", cli(port, "NOSUCH"), "ERR unknown command 'NOSUCH', with args beginning with: ")

    # Several commands on one connection (redis-cli reading commands from stdin).
    check("pipeline", cli(port, stdin="SET a 1\nINCRBY a 41\nGET a\n"), "OK\n42\n42")

    # A value bigger than the UART's one-byte holding register and the adapter's 256-byte chunks.
    big = "x" * 20000
    check("SET big", cli(port, "-x", "SET", "big", stdin=big), "OK")
    check("STRLEN big", cli(port, "STRLEN", "big"), "20000")
    check("GET big", cli(port, "GET", "big"), big)

    # COMMAND DOCS (redis-cli's interactive mode asks for it at start): a reply far bigger than the
    # line's buffers comes through whole.
    docs = cli(port, "COMMAND", "DOCS", "set")
    check("COMMAND DOCS set", "summary" in docs and "arguments" in docs, True)
    count = int(cli(port, "COMMAND", "COUNT"))
    data = raw_command(port, b"*2\r\n$7\r\nCOMMAND\r\n$4\r\nDOCS\r\n", timeout=min(15, remaining()))
    check("COMMAND DOCS (every command) complete", reply_end(data) == len(data), True)
    check("COMMAND DOCS names every command", data.split(b"\r\n", 1)[0], b"*%d" % (2 * count))
    check("PING after COMMAND DOCS", cli(port, "PING"), "PONG")

    # A client that disconnects mid-command: after the resync interval (1 s of the firmware's
    # clock) the partial command is dropped and the next client starts clean. The wait is 2.5 s of
    # real time: the guest's SysTick lags the host clock when QEMU is starved of CPU (CI runs the
    # QEMU tests beside each other; 1.3 s was not enough there).
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"*3\r\n$3\r\nSET\r\n$7\r\npartial\r\n$10\r\nonly")
    time.sleep(2.5)
    check("after an interrupted command", cli(port, "PING"), "PONG")
    check("the interrupted SET did not run", cli(port, "EXISTS", "partial"), "0")

    # QUIT closes the session; the stream goes on with a fresh one (SELECT is forgotten). redis-cli
    # does not send QUIT (it just closes), so a raw connection does.
    data = raw_command(port, b"SELECT 3\r\nSET only3 x\r\nQUIT\r\n", timeout=min(5, remaining()), replies=3)
    check("SELECT, SET, QUIT", data, b"+OK\r\n+OK\r\n+OK\r\n")
    check("fresh session in db 0", cli(port, "EXISTS", "only3"), "0")
    check("db 3 kept the key", cli(port, "-n", "3", "EXISTS", "only3"), "1")

    # A client that leaves without QUIT leaves its connection state to the next one (a UART has
    # no connections; see adapters/serial/include/microredis/serial/server.hpp).
    check("SELECT 3 and leave", cli(port, stdin="SELECT 3\n"), "OK")
    check("the next client is in db 3", cli(port, "EXISTS", "only3"), "1")
    check("SELECT 0 puts it back", cli(port, stdin="SELECT 0\nEXISTS only3\n"), "OK\n0")

    # TTLs run on the board's SysTick clock.
    check("SET with PX", cli(port, "SET", "short", "v", "PX", "300"), "OK")
    time.sleep(0.6)
    check("expired on the board's clock", cli(port, "EXISTS", "short"), "0")

    info = cli(port, "INFO", "memory")
    check("INFO memory", "used_memory:" in info, True)
    check("FLUSHALL", cli(port, "FLUSHALL"), "OK")


def main():
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    if not shutil.which("qemu-system-arm") or not shutil.which("redis-cli"):
        print("skipped: qemu-system-arm or redis-cli not installed")
        return 77
    q = start(sys.argv[1])
    if q is None:
        return 1
    try:
        run(q.port)
    except subprocess.TimeoutExpired as e:
        failures.append(f"timed out: {e}")
    except (OSError, ValueError) as e:
        failures.append(f"error: {e!r}")
    finally:
        q.stop()
    for line in q.lines:
        print("qemu: " + line)
    for f in failures:
        print("FAIL " + f)
    print(f"{checks - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
