"""redis-py (Debian's python3-redis) against the server: commands, pipelines, pools, errors, unix socket.

Run with /usr/bin/python3: that is the interpreter python3-redis is installed for.
"""
import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serverlib  # noqa: E402

try:
    import redis
except ImportError:  # the whole file skips (ctest shows it as skipped)
    redis = None

server = None
secured = None


def setUpModule():
    global server, secured
    if redis is None:
        return
    server = serverlib.Server(unixsocket=True).start_for_module()
    secured = serverlib.Server("--requirepass", "s3cret").start_for_module()


def resp3_supported():
    return redis is not None and int(redis.__version__.split(".")[0]) >= 5


@unittest.skipIf(redis is None, "python3-redis not installed for this interpreter (use /usr/bin/python3)")
class RedisPy(unittest.TestCase):
    def setUp(self):
        self.r = redis.Redis(host="127.0.0.1", port=server.port, socket_timeout=10)
        self.r.flushall()

    def tearDown(self):
        self.r.connection_pool.disconnect()

    def test_ping_echo(self):
        self.assertTrue(self.r.ping())
        self.assertEqual(self.r.echo(b"\x00binary\r\nsafe\xff"), b"\x00binary\r\nsafe\xff")

    def test_strings(self):
        self.assertTrue(self.r.set("k", "v"))
        self.assertEqual(self.r.get("k"), b"v")
        self.assertIsNone(self.r.get("missing"))
        self.assertEqual(self.r.incr("n"), 1)
        self.assertEqual(self.r.incrby("n", 41), 42)
        self.assertTrue(self.r.expire("k", 100))
        self.assertIn(self.r.ttl("k"), (99, 100))
        big = os.urandom(1 << 20)
        self.r.set("big", big)
        self.assertEqual(self.r.get("big"), big)

    def test_pipeline_without_transaction(self):
        pipe = self.r.pipeline(transaction=False)
        for i in range(1000):
            pipe.set("p:%d" % i, i)
            pipe.incr("p:count")
        results = pipe.execute()
        self.assertEqual(results[0::2], [True] * 1000)
        self.assertEqual(results[1::2], list(range(1, 1001)))
        self.assertEqual(self.r.dbsize(), 1001)

    def test_pipeline_echo_only(self):
        # Pipelining through the adapter with commands every branch has.
        pipe = self.r.pipeline(transaction=False)
        for i in range(5000):
            pipe.echo("message %d" % i)
        self.assertEqual(pipe.execute(), [b"message %d" % i for i in range(5000)])

    def test_pipeline_transaction(self):
        pipe = self.r.pipeline(transaction=True)
        pipe.set("t", 1).incr("t").get("t")
        self.assertEqual(pipe.execute(), [True, 2, b"2"])

    def test_pipeline_reports_errors_in_place(self):
        pipe = self.r.pipeline(transaction=False)
        pipe.echo("before").execute_command("NO-SUCH-COMMAND").echo("after")
        results = pipe.execute(raise_on_error=False)
        self.assertEqual(results[0], b"before")
        self.assertIsInstance(results[1], redis.exceptions.ResponseError)
        self.assertEqual(results[2], b"after")

    def test_connection_pool_across_threads(self):
        pool = redis.BlockingConnectionPool(host="127.0.0.1", port=server.port, max_connections=4, timeout=10,
                                            socket_timeout=10)
        client = redis.Redis(connection_pool=pool)
        errors = []

        def worker(n):
            try:
                for i in range(200):
                    if client.echo("w%d-%d" % (n, i)) != b"w%d-%d" % (n, i):
                        errors.append("wrong reply")
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(repr(e))

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])
        self.assertLessEqual(len(pool._connections), 4)
        pool.disconnect()

    def test_errors_are_redis_exceptions(self):
        with self.assertRaises(redis.exceptions.ResponseError) as e:
            self.r.execute_command("NO-SUCH-COMMAND", "x")
        self.assertEqual(str(e.exception), "unknown command 'NO-SUCH-COMMAND', with args beginning with: 'x' ")
        with self.assertRaises(redis.exceptions.ResponseError) as e:
            self.r.execute_command("ECHO")
        self.assertEqual(str(e.exception), "wrong number of arguments for 'echo' command")
        self.r.set("text", "abc")
        with self.assertRaisesRegex(redis.exceptions.ResponseError, "^value is not an integer or out of range$"):
            self.r.incr("text")

    def test_unix_socket(self):
        u = redis.Redis(unix_socket_path=server.unixsocket, socket_timeout=10)
        self.assertTrue(u.ping())
        self.assertEqual(u.echo("via unix"), b"via unix")
        u.set("shared", "seen over tcp")
        self.assertEqual(self.r.get("shared"), b"seen over tcp")
        u.connection_pool.disconnect()

    @unittest.skipUnless(resp3_supported(), "this redis-py (%s) has no RESP3; test_protocol covers HELLO 3"
                         % (redis.__version__ if redis else "-"))
    def test_resp3(self):
        r3 = redis.Redis(host="127.0.0.1", port=server.port, protocol=3, socket_timeout=10)
        self.assertTrue(r3.ping())
        self.assertEqual(r3.echo("three"), b"three")
        r3.connection_pool.disconnect()


@unittest.skipIf(redis is None, "python3-redis not installed for this interpreter (use /usr/bin/python3)")
class RedisPyAuth(unittest.TestCase):
    def test_no_password(self):
        r = redis.Redis(host="127.0.0.1", port=secured.port, socket_timeout=10)
        with self.assertRaises(redis.exceptions.AuthenticationError):
            r.ping()
        r.connection_pool.disconnect()

    def test_wrong_password(self):
        r = redis.Redis(host="127.0.0.1", port=secured.port, password="wrong", socket_timeout=10)
        # redis-py 4.3 raises the WRONGPASS reply as a ResponseError (NOAUTH is an AuthenticationError)
        with self.assertRaisesRegex(redis.exceptions.ResponseError,
                                    "^WRONGPASS invalid username-password pair or user is disabled.$"):
            r.ping()
        r.connection_pool.disconnect()

    def test_right_password(self):
        r = redis.Redis(host="127.0.0.1", port=secured.port, password="s3cret", socket_timeout=10)
        self.assertTrue(r.ping())
        r.connection_pool.disconnect()

    def test_server_gone_is_connection_error(self):
        s = serverlib.Server()
        self.addCleanup(s.kill)
        s.start()
        r = redis.Redis(host="127.0.0.1", port=s.port, socket_timeout=5)
        self.assertTrue(r.ping())
        self.assertEqual(s.stop(), 0)
        with self.assertRaises(redis.exceptions.ConnectionError):
            r.ping()
        r.connection_pool.disconnect()


if __name__ == "__main__":
    serverlib.main()
