#!/usr/bin/python3
"""memory.py — bytes per key and per element, microredis-server next to redis-server, one run.

usage: benchmarks/memory.py [--scale F] [--no-inproc]      (from the repository root, after building)

For each data set, starts a fresh build/examples/server/microredis-server and a fresh Debian
redis-server 7.0 (--save '' --appendonly no) on free 127.0.0.1 ports, loads the same commands into
both over pipelined connections, and reports (RSS after load - RSS before) / count, and the same
for INFO's used_memory. Then runs the in-process variant (build/benchmarks/memory_inproc: the same
data fed to an Engine's session in this machine's process, with Memory's own accounting).

Data sets (the counts are multiplied by --scale):
  strings      1,000,000 x SET key:%07d val:%012d          (11-byte key, 16-byte value)
  strings_ttl  the same with EX 100000 on every key
  hashes       100,000 x HSET hash:%06d field:J v:%06d     J = 0..9: 10 fields per hash
  sets         100,000 x SADD set:%06d J+(I%1000)*10       10 small integers per set
  zsets        100,000 x ZADD zset:%06d J m:J              10 members per sorted set
  lists        100,000 x RPUSH list:%06d v:%06d x 10        10 elements per list
Takes about a minute. MEMORY_PORT=N runs every server on port N (one at a time) instead of free ports.
"""
import argparse
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER = os.environ.get("SERVER", os.path.join(ROOT, "build/examples/server/microredis-server"))
INPROC = os.environ.get("INPROC", os.path.join(ROOT, "build/benchmarks/memory_inproc"))
REDIS = os.environ.get("REDIS_SERVER", "redis-server")

DATASETS = [("strings", 1_000_000, 1), ("strings_ttl", 1_000_000, 1), ("hashes", 100_000, 10),
            ("sets", 100_000, 10), ("zsets", 100_000, 10), ("lists", 100_000, 10)]


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def command(name, i):
    if name == "strings":
        return resp("SET", "key:%07d" % i, "val:%012d" % i)
    if name == "strings_ttl":
        return resp("SET", "key:%07d" % i, "val:%012d" % i, "EX", 100000)
    if name == "hashes":
        a = ["HSET", "hash:%06d" % i]
        for j in range(10):
            a += ["field:%d" % j, "v:%06d" % ((i * 10 + j) % 1000000)]
        return resp(*a)
    if name == "sets":
        return resp("SADD", "set:%06d" % i, *[j + (i % 1000) * 10 for j in range(10)])
    if name == "zsets":
        a = ["ZADD", "zset:%06d" % i]
        for j in range(10):
            a += [j, "m:%d" % j]
        return resp(*a)
    if name == "lists":
        return resp("RPUSH", "list:%06d" % i, *["v:%06d" % ((i * 10 + j) % 1000000) for j in range(10)])
    raise ValueError(name)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class Server:
    def __init__(self, argv, port):
        self.port = port
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 20
        while True:
            try:
                self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
                break
            except OSError:
                if time.time() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("server did not start: %s" % argv)
                time.sleep(0.05)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def send_batch(self, payload, replies):
        """Sends pipelined commands whose replies are one line each; returns those replies."""
        self.sock.sendall(payload)
        buf = bytearray()
        while buf.count(b"\r\n") < replies:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise RuntimeError("connection closed")
            buf += chunk
        if buf.startswith(b"-") or b"\n-" in buf:
            raise RuntimeError("error reply: %r" % bytes(buf[:200]))
        return bytes(buf)

    def used_memory(self):
        self.sock.sendall(resp("INFO", "memory"))
        buf = bytearray()
        while True:
            buf += self.sock.recv(1 << 16)
            head, _, rest = bytes(buf).partition(b"\r\n")
            if head.startswith(b"$") and len(rest) >= int(head[1:]) + 2:
                break
        for line in rest.decode().split("\r\n"):
            if line.startswith("used_memory:"):
                return int(line.split(":")[1])
        raise RuntimeError("no used_memory in INFO")

    def stop(self):
        self.sock.close()
        self.proc.terminate()
        self.proc.wait(timeout=20)


def load(server, name, count):
    batch, n = [], 0
    for i in range(count):
        batch.append(command(name, i))
        if len(batch) == 2000 or i + 1 == count:
            server.send_batch(b"".join(batch), len(batch))
            n += len(batch)
            batch = []
    return n


def measure(argv_of, name, count):
    # One server at a time: MEMORY_PORT pins them all to one port instead of a free one.
    port = int(os.environ["MEMORY_PORT"]) if os.environ.get("MEMORY_PORT") else free_port()
    tmp = tempfile.mkdtemp()
    srv = Server(argv_of(port, tmp), port)
    try:
        time.sleep(0.2)
        r0, u0 = rss(srv.proc.pid), srv.used_memory()
        load(srv, name, count)
        time.sleep(0.2)
        r1, u1 = rss(srv.proc.pid), srv.used_memory()
    finally:
        srv.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return r1 - r0, u1 - u0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every count (default 1)")
    ap.add_argument("--no-inproc", action="store_true", help="skip the in-process variant")
    ap.add_argument("--only", help="comma-separated data sets")
    args = ap.parse_args()
    for exe in (SERVER, REDIS) + (() if args.no_inproc else (INPROC,)):
        if shutil.which(exe) is None:
            sys.exit("missing %s (build the project: cmake --build build; apt-get install redis-server)" % exe)

    micro = lambda port, _tmp: [SERVER, "--port", str(port), "--bind", "127.0.0.1"]
    redis = lambda port, tmp: [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", tmp]
    version = subprocess.run([REDIS, "--version"], capture_output=True, text=True).stdout.split()[2]
    cpu = platform.machine()
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    print("# %s  %s, %d CPUs, Linux %s; redis-server %s" % (
        time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), cpu,
        os.cpu_count(), platform.release(), version))
    print("# bytes per element: (RSS after load - RSS before) / elements; used = INFO used_memory delta;"
          " a string key is one element")
    print("| data set | elements | RSS ratio m/r | used ratio m/r | microredis RSS B | redis RSS B |"
          " microredis used B | redis used B | in-process RSS B | in-process used B |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    only = set(args.only.split(",")) if args.only else None
    for name, base, per in DATASETS:
        if only and name not in only:
            continue
        count = max(1, int(base * args.scale))
        elements = count * per
        m_rss, m_used = measure(micro, name, count)
        r_rss, r_used = measure(redis, name, count)
        ip_rss = ip_used = float("nan")
        if not args.no_inproc:
            out = subprocess.run([INPROC, name, str(count)], capture_output=True, text=True, check=True).stdout
            f = out.split()
            ip_rss, ip_used = int(f[3]) / elements, int(f[4]) / elements
        print("| %s | %d | %.2f | %.2f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |" % (
            name, elements, m_rss / r_rss, m_used / r_used, m_rss / elements, r_rss / elements,
            m_used / elements, r_used / elements, ip_rss, ip_used), flush=True)


if __name__ == "__main__":
    main()
