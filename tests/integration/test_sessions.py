"""Session features through redis-py and raw sockets: transactions with WATCH and retries, MONITOR,
CLIENT PAUSE / UNPAUSE (held commands resume when the pause ends, by UNPAUSE or by its timeout, on
a timer the adapter arms), RESET. Pub/sub listeners and blocking pops in threads are in
test_pubsub_blocking.py.

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
from serverlib import command, read_reply  # noqa: E402

try:
    import redis
except ImportError:  # the redis-py tests skip; the raw-socket ones still run
    redis = None

server = None
slow_ticks = None  # hz 1: the end of a pause is only on time if the adapter arms a timer for it


def setUpModule():
    global server, slow_ticks
    server = serverlib.Server().start_for_module()
    slow_ticks = serverlib.Server("--hz", 1).start_for_module()


def client(srv=None, **kwargs):
    return redis.Redis(host="127.0.0.1", port=(srv or server).port, socket_timeout=10, **kwargs)


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


def in_thread(fn):
    """Runs fn in a daemon thread; returns (thread, result dict with "value" or "error")."""
    result = {}

    def run():
        try:
            result["value"] = fn()
        except Exception as e:  # noqa: BLE001 - reported by the test
            result["error"] = repr(e)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, result


@unittest.skipIf(redis is None, "python3-redis not installed for this interpreter (use /usr/bin/python3)")
class Transactions(unittest.TestCase):
    def setUp(self):
        self.r = client()
        self.addCleanup(self.r.connection_pool.disconnect)
        self.r.delete("counter", "other")

    def test_pipeline_transaction_is_atomic_and_ordered(self):
        pipe = self.r.pipeline(transaction=True)
        pipe.set("counter", 10).incrby("counter", 5).get("counter").lpush("other", "x")
        self.assertEqual(pipe.execute(), [True, 15, b"15", 1])

    def test_runtime_error_inside_exec_does_not_roll_back(self):
        pipe = self.r.pipeline(transaction=True)
        pipe.set("counter", "a").incr("counter").set("other", "b")
        results = pipe.execute(raise_on_error=False)
        self.assertEqual(results[0], True)
        self.assertIsInstance(results[1], redis.ResponseError)
        self.assertEqual(results[2], True)
        self.assertEqual(self.r.get("other"), b"b")

    def test_watch_conflict_raises_and_a_retry_succeeds(self):
        self.r.set("counter", 1)
        intruder = client()
        self.addCleanup(intruder.connection_pool.disconnect)
        attempts = 0
        with self.r.pipeline() as pipe:
            while True:
                attempts += 1
                try:
                    pipe.watch("counter")
                    value = int(pipe.get("counter"))
                    if attempts == 1:
                        intruder.set("counter", 100)  # between WATCH and EXEC: EXEC must fail
                    pipe.multi()
                    pipe.set("counter", value + 1)
                    pipe.execute()
                    break
                except redis.WatchError:
                    self.assertLess(attempts, 5)
        self.assertEqual(attempts, 2)
        self.assertEqual(self.r.get("counter"), b"101")

    def test_transaction_helper_retries_concurrent_increments(self):
        self.r.set("counter", 0)
        workers = 4
        per_worker = 25

        def increment(pipe):  # WATCHed by transaction(): read, then MULTI ... EXEC, retried on conflict
            value = int(pipe.get("counter"))
            pipe.multi()
            pipe.set("counter", value + 1)

        def work():
            c = client()
            try:
                for _ in range(per_worker):
                    c.transaction(increment, "counter")
            finally:
                c.connection_pool.disconnect()

        threads = [threading.Thread(target=work, daemon=True) for _ in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
            self.assertFalse(t.is_alive())
        self.assertEqual(int(self.r.get("counter")), workers * per_worker)


@unittest.skipIf(redis is None, "python3-redis not installed for this interpreter (use /usr/bin/python3)")
class Monitor(unittest.TestCase):
    def test_monitor_sees_commands_of_other_connections(self):
        watcher = client()
        self.addCleanup(watcher.connection_pool.disconnect)
        r = client()
        self.addCleanup(r.connection_pool.disconnect)
        with watcher.monitor() as m:
            r.set("mon:key", 'va"lue')
            r.get("mon:key")
            r.execute_command("AUTH", "default", "secret")  # no password set: any password is right
            first = m.next_command()
            second = m.next_command()
            third = m.next_command()
        self.assertEqual(first["command"], 'SET mon:key va"lue')
        self.assertEqual(first["db"], 0)
        self.assertEqual(first["client_address"], "127.0.0.1")
        self.assertTrue(first["client_port"].isdigit())
        self.assertLess(abs(first["time"] - time.time()), 60)
        self.assertEqual(second["command"], "GET mon:key")
        self.assertEqual(third["command"], "AUTH (redacted) (redacted)")
        self.assertIn(b"flags=N", r.execute_command("CLIENT", "INFO"))

    def test_monitor_flag_and_reset(self):
        mon = server.connect(timeout=10)
        self.addCleanup(mon.close)
        ctl = server.connect(timeout=10)
        self.addCleanup(ctl.close)
        self.assertEqual(raw_command(mon, "MONITOR"), b"+OK\r\n")
        self.assertIn(b"flags=O ", raw_command(ctl, "CLIENT", "LIST", "TYPE", "normal"))
        self.assertEqual(raw_command(ctl, "SET", "a\nb", "1"), b"+OK\r\n")
        line = read_reply(mon)
        self.assertRegex(line, rb'^\+\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "SET" "a\\nb" "1"\r\n$')
        self.assertEqual(raw_command(mon, "RESET"), b"+RESET\r\n")
        self.assertEqual(raw_command(ctl, "PING"), b"+PONG\r\n")
        self.assertEqual(raw_command(mon, "PING"), b"+PONG\r\n")  # no monitor line came first


@unittest.skipIf(redis is None, "python3-redis not installed for this interpreter (use /usr/bin/python3)")
class ClientPause(unittest.TestCase):
    def setUp(self):
        self.r = client()
        self.addCleanup(self.r.connection_pool.disconnect)
        self.addCleanup(lambda: client().client_unpause())

    def blocked(self, r=None):
        return (r or self.r).info("clients")["blocked_clients"]

    def test_write_pause_holds_a_write_in_a_thread_until_unpause(self):
        self.r.set("paused:k", "old")
        self.assertTrue(self.r.client_pause(60000, all=False))
        writer = client()
        self.addCleanup(writer.connection_pool.disconnect)
        t, result = in_thread(lambda: writer.set("paused:k", "new"))
        self.assertTrue(wait_for(lambda: self.blocked() == 1))
        self.assertEqual(self.r.get("paused:k"), b"old")  # reads run
        time.sleep(0.1)
        self.assertTrue(t.is_alive())
        self.assertTrue(self.r.client_unpause())
        t.join(10)
        self.assertEqual(result, {"value": True})
        self.assertEqual(self.r.get("paused:k"), b"new")
        self.assertEqual(self.blocked(), 0)

    def test_all_pause_ends_on_its_timeout(self):
        for srv in (server, slow_ticks):
            with self.subTest(hz=("default" if srv is server else 1)):
                ctl = srv.connect(timeout=10)
                self.addCleanup(ctl.close)
                other = srv.connect(timeout=10)
                self.addCleanup(other.close)
                self.assertEqual(raw_command(ctl, "CLIENT", "PAUSE", 300, "ALL"), b"+OK\r\n")
                start = time.monotonic()
                # Pipelined commands wait in order behind the held one.
                other.sendall(command("SET", "p", "1") + command("INCR", "p") + command("GET", "p"))
                self.assertEqual(read_reply(other), b"+OK\r\n")
                elapsed = time.monotonic() - start
                self.assertEqual(read_reply(other), b":2\r\n")
                self.assertEqual(read_reply(other), b"$1\r\n2\r\n")
                self.assertGreaterEqual(elapsed, 0.25)
                self.assertLess(elapsed, 0.9)

    def test_pipelined_transaction_waits_whole(self):
        self.assertTrue(self.r.client_pause(60000, all=False))
        other = client()
        self.addCleanup(other.connection_pool.disconnect)
        t, result = in_thread(lambda: other.pipeline(transaction=True).set("tx:a", 1).get("tx:a").execute())
        self.assertTrue(wait_for(lambda: self.blocked() == 1))
        self.assertIsNone(self.r.get("tx:a"))
        self.r.client_unpause()
        t.join(10)
        self.assertEqual(result, {"value": [True, b"1"]})


class Reset(unittest.TestCase):
    def test_reset_leaves_subscribed_mode_and_selected_db(self):
        c = server.connect(timeout=10)
        self.addCleanup(c.close)
        self.assertEqual(raw_command(c, "SELECT", 3), b"+OK\r\n")
        self.assertEqual(raw_command(c, "CLIENT", "SETNAME", "resetme"), b"+OK\r\n")
        c.sendall(command("SUBSCRIBE", "ch"))
        self.assertEqual(read_reply(c), b"*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n")
        self.assertEqual(raw_command(c, "RESET"), b"+RESET\r\n")
        self.assertEqual(raw_command(c, "PING"), b"+PONG\r\n")
        info = raw_command(c, "CLIENT", "INFO")
        self.assertIn(b" db=0 ", info)
        self.assertIn(b" name= ", info)
        self.assertIn(b" sub=0 ", info)


if __name__ == "__main__":
    serverlib.main()
