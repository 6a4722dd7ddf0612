"""Runs a client program against a fresh server: run_with_server.py PROGRAM ARGS...
where ARGS may contain {port} and {unixsocket}. Exits with the program's status."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serverlib  # noqa: E402


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    with serverlib.Server(unixsocket=True) as srv:
        argv = [a.format(port=srv.port, unixsocket=srv.unixsocket) for a in sys.argv[1:]]
        status = subprocess.run(argv, timeout=120).returncode
    sys.exit(status)


if __name__ == "__main__":
    main()
