"""The server program: redis.conf files, command-line settings, refusals, --version and --help."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serverlib  # noqa: E402
from serverlib import command, read_reply  # noqa: E402


def run_server(args, config_file=None, stdin=None):
    """Runs the server expecting it to stop by itself (bad configuration, --version)."""
    p = subprocess.run(serverlib.server_argv(args, config_file), input=stdin, capture_output=True, timeout=10)
    return p.returncode, (p.stdout + p.stderr).decode("utf-8", "replace")


def run_program(args):
    """The server program alone (without SERVER_CMD's options): --version and --help come first."""
    p = subprocess.run(serverlib.server_command()[:1] + args, capture_output=True, timeout=10)
    return p.returncode, (p.stdout + p.stderr).decode("utf-8", "replace")


def roundtrip(sock, *args):
    sock.sendall(command(*args))
    return read_reply(sock)


def config_get(sock, name):
    reply = roundtrip(sock, "CONFIG", "GET", name)
    parts = reply.split(b"\r\n")
    return parts[4].decode() if len(parts) > 4 else None


class ConfigFile(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="microredis-conf-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_file_with_include_and_quotes(self):
        extra = self.write("extra.conf", "maxclients 7\n# a comment\n\n   timeout 42   \n")
        main = self.write("main.conf", 'requirepass "pass word"\ninclude %s\nmaxmemory-policy \'allkeys-lru\'\n'
                          % extra)
        with serverlib.Server(config_file=main) as srv, srv.connect() as c:
            self.assertEqual(roundtrip(c, "PING"), b"-NOAUTH Authentication required.\r\n")
            self.assertEqual(roundtrip(c, "AUTH", "pass word"), b"+OK\r\n")
            self.assertEqual(config_get(c, "maxclients"), "7")
            self.assertEqual(config_get(c, "timeout"), "42")
            self.assertEqual(config_get(c, "maxmemory-policy"), "allkeys-lru")
            # Not set: the working directory the server runs in, as Redis reports it.
            self.assertEqual(config_get(c, "dir"), os.path.realpath(srv.dir))

    def test_command_line_overrides_file(self):
        main = self.write("main.conf", "timeout 10\n")
        with serverlib.Server("--timeout", "20", "--hz", "20", config_file=main) as srv, srv.connect() as c:
            self.assertEqual(config_get(c, "timeout"), "20")
            self.assertEqual(config_get(c, "hz"), "20")

    def test_config_from_stdin(self):
        rc, out = run_server(["--port", "0", "-"], stdin=b"no-such-directive yes\n")
        self.assertEqual(rc, 1)
        self.assertIn(">>> 'no-such-directive yes'", out)
        self.assertIn("Bad directive or wrong number of arguments", out)

    def test_unknown_directive_in_file(self):
        path = self.write("bad.conf", "port 0\n\nbogus-setting 1\n")
        rc, out = run_server([], path)
        self.assertEqual(rc, 1)
        self.assertIn("FATAL CONFIG FILE ERROR", out)
        self.assertIn("Reading the configuration file, at line 3", out)
        self.assertIn(">>> 'bogus-setting 1'", out)
        self.assertIn("Bad directive or wrong number of arguments", out)

    def test_unbalanced_quotes(self):
        path = self.write("bad.conf", 'requirepass "abc\n')
        rc, out = run_server([], path)
        self.assertEqual(rc, 1)
        self.assertIn("Unbalanced quotes in configuration line", out)

    def test_missing_file(self):
        rc, out = run_server([], os.path.join(self.dir, "absent.conf"))
        self.assertEqual(rc, 1)
        self.assertIn("can't open config file", out)


class CommandLine(unittest.TestCase):
    def test_unknown_option(self):
        rc, out = run_server(["--port", "0", "--no-such-option", "1"])
        self.assertEqual(rc, 1)
        self.assertIn(">>> 'no-such-option \"1\"'", out)
        self.assertIn("Bad directive or wrong number of arguments", out)

    def test_bad_values(self):
        for args, reason in ((["--port", "70000"], "argument must be between 0 and 65535 inclusive"),
                             (["--maxclients", "0"], "argument must be between 1 and "),
                             (["--hz", "abc"], "argument couldn't be parsed into an integer"),
                             (["--port", "1", "2"], "wrong number of arguments"),
                             (["--requirepass"], "wrong number of arguments"),
                             (["--unixsocketperm", "800"], "argument couldn't be parsed as an octal number")):
            rc, out = run_server(args)
            self.assertEqual(rc, 1, args)
            self.assertIn(reason, out, args)

    def test_version(self):
        for flag in ("--version", "-v"):
            rc, out = run_program([flag])
            self.assertEqual(rc, 0)
            self.assertRegex(out, r"server v=\d+\.\d+\.\d+")

    @unittest.skipUnless(serverlib.is_microredis(), "redis-server --help exits 1")
    def test_help(self):
        rc, out = run_program(["--help"])
        self.assertEqual(rc, 0)
        self.assertIn("Usage:", out)
        self.assertIn("--port", out)

    def test_address_in_use(self):
        with serverlib.Server() as first:
            rc, out = run_server(["--port", str(first.port), "--bind", "127.0.0.1"])
            self.assertEqual(rc, 1)
            self.assertIn("Address already in use", out)

    def test_unix_socket_only(self):
        with serverlib.Server("--unixsocketperm", "700", unixsocket=True, tcp=False) as srv:
            self.assertEqual(os.stat(srv.unixsocket).st_mode & 0o777, 0o700)
            with socket.socket(socket.AF_UNIX) as u:
                u.settimeout(5)
                u.connect(srv.unixsocket)
                self.assertEqual(roundtrip(u, "PING"), b"+PONG\r\n")
            self.assertEqual(srv.stop(), 0)
            self.assertFalse(os.path.exists(srv.unixsocket))


if __name__ == "__main__":
    serverlib.main()
