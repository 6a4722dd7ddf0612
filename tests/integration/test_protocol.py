"""The wire, raw: protocol errors, inline commands, big values, limits, auth, idle timeout, RESP3,
backpressure, descriptor hygiene and shutdown."""
import os
import signal
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serverlib  # noqa: E402
from serverlib import command, read_exactly, read_reply, read_until_closed  # noqa: E402

server = None


def setUpModule():
    global server
    server = serverlib.Server().start_for_module()


def roundtrip(sock, payload):
    sock.sendall(payload)
    return read_reply(sock)


class Protocol(unittest.TestCase):
    def setUp(self):
        self.s = server.connect()

    def tearDown(self):
        self.s.close()

    def test_invalid_multibulk_length_closes(self):
        self.s.sendall(b"*x\r\n")
        self.assertEqual(read_until_closed(self.s), b"-ERR Protocol error: invalid multibulk length\r\n")

    def test_error_reaches_client_despite_unread_input(self):
        # The server closes with input still unread: the error must not be lost to a reset.
        self.s.sendall(b"*x\r\n" + b"A" * 65536)
        self.assertEqual(read_until_closed(self.s), b"-ERR Protocol error: invalid multibulk length\r\n")

    def test_expected_dollar(self):
        self.s.sendall(b"*1\r\nPING\r\n")
        self.assertEqual(read_until_closed(self.s), b"-ERR Protocol error: expected '$', got 'P'\r\n")

    def test_invalid_bulk_length(self):
        self.s.sendall(b"*1\r\n$-5\r\n")
        self.assertEqual(read_until_closed(self.s), b"-ERR Protocol error: invalid bulk length\r\n")

    def test_unbalanced_quotes_inline(self):
        self.s.sendall(b'ECHO "abc\r\n')
        self.assertEqual(read_until_closed(self.s), b"-ERR Protocol error: unbalanced quotes in request\r\n")

    def test_inline_commands(self):
        self.assertEqual(roundtrip(self.s, b"PING\r\n"), b"+PONG\r\n")
        self.assertEqual(roundtrip(self.s, b"ECHO hello\n"), b"$5\r\nhello\r\n")
        self.assertEqual(roundtrip(self.s, b'ECHO "two words\\n"\r\n'), b"$10\r\ntwo words\n\r\n")
        self.assertEqual(roundtrip(self.s, b"\r\nPING\r\n"), b"+PONG\r\n")  # empty lines are skipped

    def test_quit(self):
        self.s.sendall(command("QUIT") + command("PING"))
        self.assertEqual(read_until_closed(self.s), b"+OK\r\n")

    def test_byte_by_byte(self):
        for b in command("ECHO", "split"):
            self.s.send(bytes([b]))
        self.assertEqual(read_reply(self.s), b"$5\r\nsplit\r\n")

    def test_pipelined_burst(self):
        self.s.sendall(command("PING") * 10000)
        self.assertEqual(read_exactly(self.s, 7 * 10000), b"+PONG\r\n" * 10000)

    def test_one_mib_echo(self):
        value = os.urandom(1 << 20)
        self.assertEqual(roundtrip(self.s, command("ECHO", value)), b"$1048576\r\n" + value + b"\r\n")

    def test_one_mib_set_get(self):
        value = os.urandom(1 << 20)
        self.assertEqual(roundtrip(self.s, command("SET", "big", value)), b"+OK\r\n")
        self.assertEqual(roundtrip(self.s, command("GET", "big")), b"$1048576\r\n" + value + b"\r\n")

    def test_resp3_hello(self):
        reply = roundtrip(self.s, command("HELLO", "3"))
        self.assertTrue(reply.startswith(b"%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n"), reply)
        self.assertIn(b"$5\r\nproto\r\n:3\r\n", reply)
        self.assertEqual(roundtrip(self.s, command("PING")), b"+PONG\r\n")
        self.assertEqual(roundtrip(self.s, command("HELLO", "4")),
                         b"-NOPROTO unsupported protocol version\r\n")

    def test_backpressure_client_not_reading(self):
        # 16 MiB of replies to a client that does not read: the server must buffer them without
        # spinning on the socket, then deliver all of them in order.
        chunk = os.urandom(256 * 1024)
        self.s.sendall(command("ECHO", chunk) * 64)
        time.sleep(0.3)
        cpu = serverlib.process_cpu_seconds(server.proc.pid)
        time.sleep(1.0)
        self.assertLess(serverlib.process_cpu_seconds(server.proc.pid) - cpu, 0.3)
        expected = b"$262144\r\n" + chunk + b"\r\n"
        for _ in range(64):
            self.assertEqual(read_exactly(self.s, len(expected)), expected)


class Limits(unittest.TestCase):
    def test_maxclients(self):
        with serverlib.Server("--maxclients", 2) as srv:
            a, b = srv.connect(), srv.connect()
            for c in (a, b):
                self.assertEqual(roundtrip(c, command("PING")), b"+PONG\r\n")
            refused = srv.connect()
            self.assertEqual(read_until_closed(refused), b"-ERR max number of clients reached\r\n")
            refused.close()
            a.close()
            # the freed slot is reused once the server has seen the close
            deadline = time.monotonic() + 3
            while True:
                c = srv.connect()
                c.sendall(command("PING"))
                reply = c.recv(100)
                c.close()
                if reply == b"+PONG\r\n" or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            self.assertEqual(reply, b"+PONG\r\n")
            b.close()

    def test_requirepass(self):
        with serverlib.Server("--requirepass", "s3cret") as srv:
            c = srv.connect()
            self.assertEqual(roundtrip(c, command("PING")), b"-NOAUTH Authentication required.\r\n")
            self.assertEqual(roundtrip(c, command("AUTH", "wrong")),
                             b"-WRONGPASS invalid username-password pair or user is disabled.\r\n")
            self.assertEqual(roundtrip(c, command("AUTH", "default", "wrong")),
                             b"-WRONGPASS invalid username-password pair or user is disabled.\r\n")
            self.assertEqual(roundtrip(c, command("AUTH", "s3cret")), b"+OK\r\n")
            self.assertEqual(roundtrip(c, command("PING")), b"+PONG\r\n")
            c.close()
            c = srv.connect()
            self.assertEqual(roundtrip(c, command("HELLO", "2", "AUTH", "default", "s3cret"))[:1], b"*")
            self.assertEqual(roundtrip(c, command("PING")), b"+PONG\r\n")
            c.close()
            # unauthenticated clients may not send big multibulk requests
            c = srv.connect()
            c.sendall(b"*100\r\n")
            self.assertEqual(read_until_closed(c), b"-ERR Protocol error: unauthenticated multibulk length\r\n")
            c.close()

    def test_idle_timeout(self):
        with serverlib.Server("--timeout", 1) as srv:
            c = srv.connect(timeout=5)
            self.assertEqual(roundtrip(c, command("PING")), b"+PONG\r\n")
            start = time.monotonic()
            c.settimeout(3.5)
            self.assertEqual(read_until_closed(c), b"")
            elapsed = time.monotonic() - start
            self.assertGreaterEqual(elapsed, 0.9)
            self.assertLessEqual(elapsed, 3.0)
            c.close()


class Hygiene(unittest.TestCase):
    def test_no_descriptor_leaks(self):
        with serverlib.Server("--maxclients", 20) as srv:
            pid = srv.proc.pid
            time.sleep(0.2)
            before = serverlib.open_fds(pid)
            for i in range(40):
                c = srv.connect()
                kind = i % 5
                if kind == 0:
                    c.sendall(command("QUIT"))
                    read_until_closed(c)
                elif kind == 1:
                    c.sendall(b"*x\r\n")
                    read_until_closed(c)
                elif kind == 2:  # reset by the client
                    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    c.sendall(command("PING"))
                elif kind == 3:  # half-close: the reply still arrives
                    c.sendall(command("ECHO", "bye"))
                    c.shutdown(socket.SHUT_WR)
                    self.assertEqual(read_until_closed(c), b"$3\r\nbye\r\n")
                else:
                    self.assertEqual(roundtrip(c, command("PING")), b"+PONG\r\n")
                c.close()
            many = [srv.connect() for _ in range(30)]  # ten more than maxclients
            for c in many:
                c.close()
            # Connections closed by the client may still wait in the listen backlog: until the server
            # has accepted them and read their end of stream they hold client slots. So a new client
            # may first be refused; within the deadline it must be served.
            deadline = time.monotonic() + 3
            reply = b""
            while time.monotonic() < deadline:
                with srv.connect() as c:
                    reply = roundtrip(c, command("PING"))
                if reply == b"+PONG\r\n":
                    break
                time.sleep(0.05)
            self.assertEqual(reply, b"+PONG\r\n")
            while serverlib.open_fds(pid) != before and time.monotonic() < deadline + 3:
                time.sleep(0.05)
            self.assertEqual(serverlib.open_fds(pid), before)

    def test_sigterm_with_clients_and_unix_socket(self):
        srv = serverlib.Server(unixsocket=True)
        self.addCleanup(srv.kill)
        srv.start()
        clients = [srv.connect() for _ in range(5)]
        u = socket.socket(socket.AF_UNIX)
        u.settimeout(5)
        u.connect(srv.unixsocket)
        self.assertEqual(roundtrip(u, command("PING")), b"+PONG\r\n")
        self.assertTrue(os.path.exists(srv.unixsocket))
        self.assertEqual(srv.stop(signal.SIGTERM), 0)
        self.assertFalse(os.path.exists(srv.unixsocket))
        for c in clients + [u]:
            self.assertEqual(read_until_closed(c), b"")
            c.close()

    def test_sigint(self):
        srv = serverlib.Server()
        self.addCleanup(srv.kill)
        srv.start()
        self.assertEqual(srv.stop(signal.SIGINT), 0)


if __name__ == "__main__":
    serverlib.main()
