"""Replication over loopback: microredis following microredis, microredis following Debian's
redis-server 7.0 (a diskless full sync: $EOF framing, RDB version 10), and redis-server following
microredis; WAIT answered with real acknowledgements. Values of every type (test_dump_interop's
populate) must arrive identical. Skips when redis-server or python3-redis is missing (the
redis-server cases) or python3-redis is (all). Run with /usr/bin/python3.
"""
import os
import shutil
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serverlib  # noqa: E402
from test_dump_interop import RealRedis, populate, snapshot  # noqa: E402

try:
    import redis
except ImportError:
    redis = None


class QuickRealRedis(RealRedis):
    def command(self, port):
        # No 5-second wait before a diskless transfer.
        return super().command(port) + ["--repl-diskless-sync-delay", "0"]


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def linked(replica):
    role = replica.execute_command("ROLE")
    return role[0] == b"slave" and role[3] == b"connected"


def same_encodings(c):
    for name, value in (("hash-max-listpack-entries", 512), ("zset-max-listpack-entries", 128),
                        ("set-max-intset-entries", 512), ("list-max-listpack-size", -2)):
        c.config_set(name, value)


@unittest.skipIf(redis is None, "python3-redis not installed for this interpreter (use /usr/bin/python3)")
class Replication(unittest.TestCase):
    def follow(self, master_server, master, replica):
        """REPLICAOF through redis-cli (the tool people use), then wait for the link."""
        out = subprocess.run(["redis-cli", "-p", str(self.replica_port(replica)), "REPLICAOF", "127.0.0.1",
                              str(master_server.port)], capture_output=True, text=True, timeout=10)
        self.assertEqual(out.stdout.strip(), "OK")
        self.assertTrue(wait_for(lambda: linked(replica)), replica.info("replication"))

    @staticmethod
    def replica_port(client):
        return client.connection_pool.connection_kwargs["port"]

    def check_stream(self, master, replica):
        master.set("after", "sync")
        master.incr("counter")
        master.expire("after", 1000)
        master.delete("s:emb")
        with master.pipeline(transaction=True) as p:
            p.lpush("tx", "a").sadd("txs", "b").execute()
        # WAIT: the write is acknowledged by the replica.
        self.assertEqual(master.wait(1, 5000), 1)
        self.assertTrue(wait_for(lambda: snapshot(replica) == snapshot(master)))
        self.assertEqual(replica.pttl("after") > 0, True)

    def test_microredis_follows_microredis(self):
        with serverlib.Server() as ms, serverlib.Server() as rs:
            master = redis.Redis(host="127.0.0.1", port=ms.port, socket_timeout=10)
            replica = redis.Redis(host="127.0.0.1", port=rs.port, socket_timeout=10)
            populate(master)
            replica.set("mine", "gone after the sync")
            self.follow(ms, master, replica)
            self.assertEqual(snapshot(replica), snapshot(master))
            self.check_stream(master, replica)
            with self.assertRaises(redis.ResponseError) as cm:
                replica.set("x", 1)
            self.assertEqual(str(cm.exception), "You can't write against a read only replica.")
            info = replica.info("replication")
            self.assertEqual(info["role"], "slave")
            self.assertEqual(info["master_link_status"], "up")
            self.assertEqual(master.info("replication")["connected_slaves"], 1)
            # The master goes away: the replica keeps its data and reports the link down.
            ms.stop()
            self.assertTrue(wait_for(lambda: replica.info("replication")["master_link_status"] == "down"))
            self.assertEqual(replica.get("after"), b"sync")
            self.assertEqual(replica.execute_command("REPLICAOF", "NO", "ONE"), b"OK")
            self.assertEqual(replica.set("x", 1), True)
            self.assertEqual(replica.execute_command("ROLE")[0], b"master")

    @unittest.skipIf(shutil.which("redis-server") is None, "redis-server not installed")
    def test_microredis_follows_redis_server(self):
        with QuickRealRedis() as ms, serverlib.Server() as rs:
            master = redis.Redis(host="127.0.0.1", port=ms.port, socket_timeout=10)
            replica = redis.Redis(host="127.0.0.1", port=rs.port, socket_timeout=10)
            same_encodings(master)
            same_encodings(replica)
            populate(master)
            self.follow(ms, master, replica)
            self.assertEqual(snapshot(replica), snapshot(master))
            self.check_stream(master, replica)
            self.assertEqual(replica.info("replication")["master_replid"],
                             master.info("replication")["master_replid"])

    @unittest.skipIf(shutil.which("redis-server") is None, "redis-server not installed")
    def test_redis_server_follows_microredis(self):
        with serverlib.Server() as ms, QuickRealRedis() as rs:
            master = redis.Redis(host="127.0.0.1", port=ms.port, socket_timeout=10)
            replica = redis.Redis(host="127.0.0.1", port=rs.port, socket_timeout=10)
            same_encodings(master)
            same_encodings(replica)
            populate(master)
            self.follow(ms, master, replica)
            self.assertEqual(snapshot(replica), snapshot(master))
            self.check_stream(master, replica)


if __name__ == "__main__":
    unittest.main()
