"""Lua scripting over the POSIX adapter (microredis-server built with adapters/lua), with redis-py.

A script call, and a busy script killed from a second connection while a third one gets BUSY
(Engine::serve_while_busy and the adapter's busy handler). Bounded in time: every blocking read
has a timeout. Skips when python3-redis is missing or the server has no scripting.
Passes against redis-server too (SERVER_CMD="redis-server --save '' --appendonly no").
"""
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serverlib  # noqa: E402

try:
    import redis
except ImportError:
    redis = None

SERVER = None


def setUpModule():
    global SERVER
    if redis is None:
        raise unittest.SkipTest("python3-redis is not installed")
    SERVER = serverlib.Server("--busy-reply-threshold", "100").start_for_module()
    try:
        redis.Redis(port=SERVER.port, socket_timeout=5).eval("return 1", 0)
    except redis.ResponseError as e:
        raise unittest.SkipTest("the server has no scripting: %s" % e)


class Scripting(unittest.TestCase):
    def client(self):
        return redis.Redis(port=SERVER.port, socket_timeout=10, decode_responses=True)

    def test_script_call(self):
        r = self.client()
        r.delete("counter")
        incr = r.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])")
        self.assertEqual(incr(keys=["counter"], args=[5]), 5)
        self.assertEqual(incr(keys=["counter"], args=[2]), 7)  # EVALSHA this time
        self.assertEqual(r.script_exists(incr.sha), [True])
        with self.assertRaises(redis.ResponseError) as e:
            r.eval("return redis.call('nosuch')", 0)
        self.assertIn("Unknown Redis command called from script", str(e.exception))

    def test_busy_script_killed_from_another_connection(self):
        runner, other, killer = self.client(), self.client(), self.client()
        outcome = {}

        def run():
            try:
                runner.eval("local i = 0 while true do i = i + 1 end", 0)
            except redis.ResponseError as e:
                outcome["error"] = str(e)

        t = threading.Thread(target=run)
        t.start()
        deadline = time.monotonic() + 5
        busy = None
        while time.monotonic() < deadline:
            try:
                other.ping()
            except redis.exceptions.BusyLoadingError as e:  # redis-py maps BUSY replies here
                busy = str(e)
                break
            except redis.ResponseError as e:
                busy = str(e)
                break
            time.sleep(0.05)
        self.assertIsNotNone(busy, "no BUSY reply within 5 s")
        self.assertIn("Redis is busy running a script", busy)
        self.assertTrue(killer.script_kill())
        t.join(5)
        self.assertFalse(t.is_alive())
        self.assertIn("Script killed by user with SCRIPT KILL", outcome.get("error", ""))
        self.assertTrue(other.ping())
        self.assertTrue(runner.ping())


if __name__ == "__main__":
    serverlib.main()
