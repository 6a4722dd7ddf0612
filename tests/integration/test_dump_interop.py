"""DUMP/RESTORE between microredis and a real redis-server (Debian's 7.0), both on loopback.

Values of every type and encoding are created on one server, DUMPed, RESTOREd on the other and
compared (content, TTL, OBJECT ENCODING), in both directions. Skips when redis-server or
python3-redis is missing. Run with /usr/bin/python3.
"""
import os
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serverlib  # noqa: E402

try:
    import redis
except ImportError:
    redis = None


class RealRedis(serverlib.Server):
    def command(self, port):
        return ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", self.dir]


def populate(r):
    """Values of every type in each encoding Redis 7.0 has (same limits on both servers)."""
    r.set("s:int", 12345)
    r.set("s:big", 2**62)
    r.set("s:emb", "hello")
    r.set("s:raw", "r" * 100)
    r.set("s:bin", bytes(range(256)) * 3)
    r.set("s:ttl", "expiring", px=500000)
    r.rpush("l:small", "a", 1, -2, 300000, 2**40, "x" * 80)
    r.rpush("l:big", *[f"element:{i}" for i in range(3000)])
    r.sadd("set:int", *range(-50, 50))
    r.sadd("set:str", "a", "b", 3)
    r.sadd("set:bigint", *range(0, 600))
    r.hset("h:lp", mapping={"a": 1, "b": "two", "c": "3.5"})
    r.hset("h:ht", mapping={f"f{i}": f"v{i}" * 3 for i in range(600)})
    r.hset("h:longval", mapping={"f": "v" * 100})
    r.zadd("z:lp", {"a": 1, "b": 2.5, "c": -7, "d": 1e300, "e": float("-inf")})
    r.zadd("z:sl", {f"m{i}": i / 3 for i in range(300)})
    r.zadd("z:longmember", {"m" * 100: 1})
    r.pfadd("hll", *[f"e{i}" for i in range(100)])
    r.pfadd("hll:dense", *[f"e{i}" for i in range(5000)])
    # Streams: several blocks, tombstones, groups with pending entries and an idle consumer.
    for i in range(1, 260):
        fields = {"f": i, "g": "x" * (i % 50)} if i % 7 else {"other": i}
        r.xadd("x:big", fields, id=f"{i}-{i % 4}")
    r.xdel("x:big", "7-3", "100-0", "101-1")
    r.xgroup_create("x:big", "grp", id="0")
    r.xgroup_create("x:big", "late", id="$")
    r.xreadgroup("grp", "alice", {"x:big": ">"}, count=120)
    r.xreadgroup("grp", "bob", {"x:big": ">"}, count=3)
    r.xclaim("x:big", "grp", "carol", 0, ["5-1", "6-2"])
    r.xgroup_createconsumer("x:big", "grp", "dave")
    r.xadd("x:small", {"a": 1}, id="1-1")


def snapshot(r):
    out = {}
    for k in sorted(r.keys()):
        t = r.type(k).decode()
        enc = r.object("encoding", k).decode()
        if t == "string":
            v = r.get(k)
        elif t == "list":
            v = r.lrange(k, 0, -1)
        elif t == "set":
            v = sorted(r.smembers(k))
        elif t == "hash":
            v = sorted(r.hgetall(k).items())
        elif t == "zset":
            v = r.zrange(k, 0, -1, withscores=True)
        elif t == "stream":
            # XINFO STREAM FULL as sent (times are absolute: the payload carries them), with
            # the group and consumer details.
            v = r.execute_command("XINFO", "STREAM", k, "FULL")
        else:
            v = None
        ttl = r.pttl(k)
        out[k] = (t, enc, v, ttl > 0)
    return out


@unittest.skipIf(redis is None, "python3-redis not installed for this interpreter (use /usr/bin/python3)")
@unittest.skipIf(shutil.which("redis-server") is None, "redis-server not installed")
class DumpInterop(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.micro = serverlib.Server().start_for_module()
        cls.real = RealRedis().start_for_module()

    def setUp(self):
        self.m = redis.Redis(host="127.0.0.1", port=self.micro.port, socket_timeout=10)
        self.r = redis.Redis(host="127.0.0.1", port=self.real.port, socket_timeout=10)
        for c in (self.m, self.r):
            c.flushall()
            c.config_set("hash-max-listpack-entries", 512)
            c.config_set("zset-max-listpack-entries", 128)
            c.config_set("set-max-intset-entries", 512)
            c.config_set("list-max-listpack-size", -2)

    def transfer(self, src, dst):
        for k in src.keys():
            ttl = src.pttl(k)
            dst.restore(k, ttl if ttl > 0 else 0, src.dump(k), replace=True)

    def test_redis_to_microredis(self):
        populate(self.r)
        self.transfer(self.r, self.m)
        self.assertEqual(snapshot(self.m), snapshot(self.r))

    def test_microredis_to_redis(self):
        populate(self.m)
        self.transfer(self.m, self.r)
        self.assertEqual(snapshot(self.r), snapshot(self.m))

    def test_round_trip_through_both(self):
        populate(self.r)
        expected = snapshot(self.r)
        self.transfer(self.r, self.m)
        self.r.flushall()
        self.transfer(self.m, self.r)
        self.assertEqual(snapshot(self.r), expected)
        # PFCOUNT reads the same sketch on both sides.
        self.assertEqual(self.r.pfcount("hll:dense"), self.m.pfcount("hll:dense"))

    def test_errors_match(self):
        payload = self.r.dump("missing")
        self.assertIsNone(payload)
        self.r.set("k", "v")
        good = self.r.dump("k")
        for c in (self.m, self.r):
            c.set("k", "v")
        for args in ([good], [good[:-1] + bytes([good[-1] ^ 1])], [b"\x00" * 12]):
            got = []
            for c in (self.m, self.r):
                try:
                    got.append(c.restore("k2", 0, *args))
                except redis.ResponseError as e:
                    got.append(str(e))
                c.delete("k2")
            self.assertEqual(got[0], got[1])
        for c in (self.m, self.r):
            with self.assertRaises(redis.ResponseError) as cm:
                c.restore("k", 0, good)
            self.assertIn("BUSYKEY", str(cm.exception))


if __name__ == "__main__":
    unittest.main()
