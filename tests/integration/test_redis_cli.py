"""redis-cli and redis-benchmark against the server: one-shot commands, --pipe bulk load, benchmark."""
import os
import re
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serverlib  # noqa: E402

REDIS_CLI = shutil.which("redis-cli")
REDIS_BENCHMARK = shutil.which("redis-benchmark")
server = None


def setUpModule():
    global server
    if REDIS_CLI:
        server = serverlib.Server(unixsocket=True).start_for_module()


def cli(*args, stdin=None, timeout=30):
    """redis-cli -p PORT args..., returning (exit status, stdout); output is not a tty, so raw."""
    p = subprocess.run([REDIS_CLI, "-h", "127.0.0.1", "-p", str(server.port)] + [str(a) for a in args],
                       input=stdin, capture_output=True, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace")


@unittest.skipUnless(REDIS_CLI, "redis-cli not installed (apt-get install redis-tools)")
class RedisCli(unittest.TestCase):
    def setUp(self):
        self.assertEqual(cli("FLUSHALL"), (0, "OK\n"))

    def test_ping_and_echo(self):
        self.assertEqual(cli("PING"), (0, "PONG\n"))
        self.assertEqual(cli("ECHO", "hello world"), (0, "hello world\n"))

    def test_set_get(self):
        self.assertEqual(cli("SET", "greeting", "hello"), (0, "OK\n"))
        self.assertEqual(cli("GET", "greeting"), (0, "hello\n"))
        self.assertEqual(cli("GET", "missing"), (0, "\n"))

    def test_incr(self):
        self.assertEqual(cli("INCR", "counter"), (0, "1\n"))
        self.assertEqual(cli("INCR", "counter"), (0, "2\n"))
        cli("SET", "text", "abc")
        self.assertEqual(cli("INCR", "text"), (0, "ERR value is not an integer or out of range\n\n"))

    def test_expire_ttl(self):
        cli("SET", "session", "x")
        self.assertEqual(cli("TTL", "session"), (0, "-1\n"))
        self.assertEqual(cli("EXPIRE", "session", 100), (0, "1\n"))
        status, out = cli("TTL", "session")
        self.assertIn(out, ("100\n", "99\n"))
        self.assertEqual(cli("TTL", "missing"), (0, "-2\n"))
        self.assertEqual(cli("EXPIRE", "missing", 100), (0, "0\n"))

    def test_scan(self):
        for i in range(50):
            cli("SET", "key:%d" % i, i)
        seen, cursor = set(), "0"
        for _ in range(100):
            status, out = cli("SCAN", cursor, "MATCH", "key:*", "COUNT", 10)
            self.assertEqual(status, 0)
            lines = out.splitlines()
            self.assertTrue(lines, out)
            cursor = lines[0]
            seen.update(lines[1:])
            if cursor == "0":
                break
        self.assertEqual(seen, {"key:%d" % i for i in range(50)})

    def test_info(self):
        status, out = cli("INFO")
        self.assertEqual(status, 0)
        self.assertIn("# Server", out)
        self.assertIn("redis_version:", out)
        status, out = cli("INFO", "server")
        self.assertIn("tcp_port:%d" % server.port, out)

    def test_unix_socket(self):
        p = subprocess.run([REDIS_CLI, "-s", server.unixsocket, "ECHO", "over unix"], capture_output=True,
                           timeout=30)
        self.assertEqual(p.stdout, b"over unix\n")

    def test_pipe_bulk_load(self):
        n = 10000
        payload = b"".join(serverlib.command("SET", "bulk:%d" % i, "value-%d" % i) for i in range(n))
        p = subprocess.run([REDIS_CLI, "-h", "127.0.0.1", "-p", str(server.port), "--pipe"], input=payload,
                           capture_output=True, timeout=60)
        out = p.stdout.decode()
        self.assertEqual(p.returncode, 0, out + p.stderr.decode())
        self.assertIn("errors: 0, replies: %d" % n, out)
        self.assertEqual(cli("DBSIZE"), (0, "%d\n" % n))
        self.assertEqual(cli("GET", "bulk:9999"), (0, "value-9999\n"))

    @unittest.skipUnless(REDIS_BENCHMARK, "redis-benchmark not installed")
    def test_benchmark_smoke(self):
        p = subprocess.run([REDIS_BENCHMARK, "-h", "127.0.0.1", "-p", str(server.port), "-t", "set,get,incr,mset",
                            "-P", "16", "-n", "20000", "-q"], capture_output=True, timeout=120)
        out = (p.stdout + p.stderr).decode("utf-8", "replace")
        self.assertEqual(p.returncode, 0, out)
        self.assertNotIn("rror", out)  # "Error from server", "error:"
        for test in ("SET", "GET", "INCR", "MSET (10 keys)"):
            # -q rewrites a progress line with \r, then prints the result on it
            self.assertRegex(out, r"(?:^|[\r\n])%s: [0-9.]+ requests per second" % re.escape(test))


if __name__ == "__main__":
    serverlib.main()
