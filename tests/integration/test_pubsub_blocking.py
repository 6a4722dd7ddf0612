"""Output one connection causes on another: pub/sub deliveries, blocked clients served or timed out,
CLIENT KILL and CLIENT UNBLOCK. These are the paths through the engine's output listener, which
the adapter under test must turn into writes (or closes) on the other connection.

Run with /usr/bin/python3: that is the interpreter python3-redis is installed for. Every wait is
bounded; the servers listen on 127.0.0.1 only.
"""
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serverlib  # noqa: E402
from serverlib import command, read_reply, read_until_closed  # noqa: E402

try:
    import redis
except ImportError:  # the redis-py tests skip; the raw-socket ones still run
    redis = None

server = None
slow_ticks = None  # hz 1: a tick a second, so that only a timer armed for the block can be on time


def setUpModule():
    global server, slow_ticks
    server = serverlib.Server().start_for_module()
    slow_ticks = serverlib.Server("--hz", 1).start_for_module()


def client(srv=None):
    return redis.Redis(host="127.0.0.1", port=(srv or server).port, socket_timeout=10)


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def raw_command(sock, *args):
    sock.sendall(command(*args))
    return read_reply(sock)


def blocked_clients(sock):
    info = raw_command(sock, "INFO", "clients").decode()
    for line in info.split("\r\n"):
        if line.startswith("blocked_clients:"):
            return int(line.split(":")[1])
    raise AssertionError("no blocked_clients in INFO clients: %r" % info)


@unittest.skipIf(redis is None, "python3-redis not installed for this interpreter (use /usr/bin/python3)")
class PubSub(unittest.TestCase):
    def setUp(self):
        self.pub = client()
        self.addCleanup(self.pub.connection_pool.disconnect)

    def subscriber(self, *channels, patterns=()):
        p = client().pubsub()
        self.addCleanup(p.close)
        if channels:
            p.subscribe(*channels)
        if patterns:
            p.psubscribe(*patterns)
        for _ in range(len(channels) + len(patterns)):  # the confirmations
            msg = p.get_message(timeout=5)
            self.assertIsNotNone(msg)
            self.assertIn(msg["type"], ("subscribe", "psubscribe"))
        return p

    def next_message(self, p, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = p.get_message(timeout=max(0.0, deadline - time.monotonic()))
            if msg is not None:
                return msg
        self.fail("no message within %.0fs" % timeout)

    def test_listener_receives_what_another_connection_publishes(self):
        p = self.subscriber("news", patterns=("weather.*",))
        self.assertEqual(self.pub.publish("news", "hello"), 1)
        self.assertEqual(self.pub.publish("weather.paris", "rain"), 1)
        self.assertEqual(self.pub.publish("nobody-listens", "x"), 0)
        self.assertEqual(self.next_message(p),
                         {"type": "message", "pattern": None, "channel": b"news", "data": b"hello"})
        self.assertEqual(self.next_message(p),
                         {"type": "pmessage", "pattern": b"weather.*", "channel": b"weather.paris", "data": b"rain"})
        self.assertIsNone(p.get_message(timeout=0.1))

    def test_listener_thread_gets_every_message_in_order(self):
        received = []
        done = threading.Event()

        def handler(msg):
            received.append(msg["data"])
            if len(received) == 500:
                done.set()

        p = client().pubsub()
        self.addCleanup(p.close)
        p.subscribe(jobs=handler)
        worker = p.run_in_thread(sleep_time=0.01, daemon=True)
        self.addCleanup(worker.join, 10)
        self.addCleanup(worker.stop)
        self.assertTrue(wait_for(lambda: self.pub.pubsub_numsub("jobs") == [(b"jobs", 1)]))
        pipe = self.pub.pipeline(transaction=False)
        for i in range(500):
            pipe.publish("jobs", "job %d" % i)
        self.assertEqual(pipe.execute(), [1] * 500)
        self.assertTrue(done.wait(10), "%d of 500 messages arrived" % len(received))
        self.assertEqual(received, [b"job %d" % i for i in range(500)])

    def test_big_message_to_several_subscribers(self):
        subscribers = [self.subscriber("big") for _ in range(4)]
        payload = os.urandom(3 << 20)  # more than a socket buffer: the rest waits for the reader
        self.assertEqual(self.pub.publish("big", payload), 4)
        self.assertEqual(self.pub.publish("big", "after"), 4)
        for p in subscribers:
            self.assertEqual(self.next_message(p, 10)["data"], payload)
            self.assertEqual(self.next_message(p)["data"], b"after")

    def test_unsubscribed_and_disconnected_get_nothing(self):
        p = self.subscriber("gone")
        gone = self.subscriber("gone")
        p.unsubscribe("gone")
        self.assertEqual(p.get_message(timeout=5)["type"], "unsubscribe")
        gone.close()  # the server must notice the closed connection and drop its subscription
        self.assertTrue(wait_for(lambda: self.pub.publish("gone", "x") == 0))


@unittest.skipIf(redis is None, "python3-redis not installed for this interpreter (use /usr/bin/python3)")
class BlockingWithRedisPy(unittest.TestCase):
    def setUp(self):
        self.r = client()
        self.addCleanup(self.r.connection_pool.disconnect)
        self.r.delete("queue", "empty", "dst")

    def test_blpop_in_a_thread_served_by_lpush(self):
        result = {}
        waiter = client()
        self.addCleanup(waiter.connection_pool.disconnect)

        def wait():
            try:
                result["reply"] = waiter.blpop("queue", timeout=10)
            except Exception as e:  # noqa: BLE001 - reported below
                result["error"] = repr(e)

        t = threading.Thread(target=wait, daemon=True)
        t.start()
        self.assertTrue(wait_for(lambda: self.r.info("clients")["blocked_clients"] == 1))
        start = time.monotonic()
        self.assertEqual(self.r.lpush("queue", "job1"), 1)
        t.join(10)
        self.assertFalse(t.is_alive())
        self.assertEqual(result, {"reply": (b"queue", b"job1")})
        self.assertLess(time.monotonic() - start, 2.0)
        self.assertEqual(self.r.llen("queue"), 0)
        self.assertEqual(self.r.info("clients")["blocked_clients"], 0)

    def test_blpop_timeout(self):
        start = time.monotonic()
        self.assertIsNone(self.r.blpop("empty", timeout=1))
        elapsed = time.monotonic() - start
        self.assertGreaterEqual(elapsed, 0.9)
        self.assertLess(elapsed, 2.5)

    def test_blmove_served_by_rpush(self):
        result = {}
        waiter = client()
        self.addCleanup(waiter.connection_pool.disconnect)
        t = threading.Thread(target=lambda: result.setdefault("v", waiter.blmove("queue", "dst", 10, "LEFT", "RIGHT")),
                             daemon=True)
        t.start()
        self.assertTrue(wait_for(lambda: self.r.info("clients")["blocked_clients"] == 1))
        self.assertEqual(self.r.rpush("queue", "a", "b"), 2)
        t.join(10)
        self.assertEqual(result.get("v"), b"a")
        self.assertEqual(self.r.lrange("dst", 0, -1), [b"a"])
        self.assertEqual(self.r.lrange("queue", 0, -1), [b"b"])


class BlockingRaw(unittest.TestCase):
    """Blocking commands on raw sockets: what exactly reaches the wire, and when."""

    def setUp(self):
        self.ctl = server.connect()
        self.addCleanup(self.ctl.close)
        raw_command(self.ctl, "DEL", "q")

    def blocked_connection(self, *args):
        c = server.connect(timeout=10)
        self.addCleanup(c.close)
        c.sendall(command(*args))
        self.assertTrue(wait_for(lambda: blocked_clients(self.ctl) == 1))
        return c

    def test_pipelined_command_behind_a_block_runs_after_it(self):
        c = server.connect(timeout=10)
        self.addCleanup(c.close)
        c.sendall(command("BLPOP", "q", 0) + command("PING") + command("LLEN", "q"))
        self.assertTrue(wait_for(lambda: blocked_clients(self.ctl) == 1))
        self.assertEqual(raw_command(self.ctl, "RPUSH", "q", "x", "y"), b":2\r\n")
        self.assertEqual(read_reply(c), b"*2\r\n$1\r\nq\r\n$1\r\nx\r\n")
        self.assertEqual(read_reply(c), b"+PONG\r\n")
        self.assertEqual(read_reply(c), b":1\r\n")

    def test_input_sent_while_blocked_runs_after_the_block(self):
        c = self.blocked_connection("BLPOP", "q", 0)
        time.sleep(0.05)
        c.sendall(command("ECHO", "sent while blocked"))
        time.sleep(0.05)
        self.assertEqual(raw_command(self.ctl, "LPUSH", "q", "v"), b":1\r\n")
        self.assertEqual(read_reply(c), b"*2\r\n$1\r\nq\r\n$1\r\nv\r\n")
        self.assertEqual(read_reply(c), b"$18\r\nsent while blocked\r\n")

    def test_client_that_hangs_up_while_blocked_is_not_served(self):
        c = self.blocked_connection("BLPOP", "q", 0)
        c.close()
        self.assertTrue(wait_for(lambda: blocked_clients(self.ctl) == 0))
        self.assertEqual(raw_command(self.ctl, "LPUSH", "q", "kept"), b":1\r\n")
        self.assertEqual(raw_command(self.ctl, "LRANGE", "q", 0, -1), b"*1\r\n$4\r\nkept\r\n")

    def test_timeout_reply_on_time_with_one_tick_a_second(self):
        # hz 1 ticks once a second: a 0.2 s timeout is on time only if the adapter's timer follows
        # the deadline the block set.
        c = slow_ticks.connect(timeout=10)
        self.addCleanup(c.close)
        self.assertEqual(raw_command(c, "PING"), b"+PONG\r\n")
        time.sleep(0.05)
        start = time.monotonic()
        self.assertEqual(raw_command(c, "BLPOP", "q", "0.2"), b"*-1\r\n")
        elapsed = time.monotonic() - start
        self.assertGreaterEqual(elapsed, 0.18)
        if serverlib.is_microredis():  # redis-server 7.0 checks block timeouts at its hz
            self.assertLess(elapsed, 0.6)

    def test_client_unblock_from_another_connection(self):
        c = server.connect(timeout=10)
        self.addCleanup(c.close)
        client_id = int(raw_command(c, "CLIENT", "ID")[1:-2])
        c.sendall(command("BRPOP", "q", 0))
        self.assertTrue(wait_for(lambda: blocked_clients(self.ctl) == 1))
        self.assertEqual(raw_command(self.ctl, "CLIENT", "UNBLOCK", client_id), b":1\r\n")
        self.assertEqual(read_reply(c), b"*-1\r\n")
        self.assertEqual(raw_command(c, "PING"), b"+PONG\r\n")

    def test_client_kill_from_another_connection(self):
        victim = server.connect(timeout=10)
        self.addCleanup(victim.close)
        victim_id = int(raw_command(victim, "CLIENT", "ID")[1:-2])
        victim.sendall(command("BLPOP", "q", 0))
        self.assertTrue(wait_for(lambda: blocked_clients(self.ctl) == 1))
        self.assertEqual(raw_command(self.ctl, "CLIENT", "KILL", "ID", victim_id), b":1\r\n")
        self.assertEqual(read_until_closed(victim), b"")
        self.assertEqual(blocked_clients(self.ctl), 0)


if __name__ == "__main__":
    serverlib.main()
