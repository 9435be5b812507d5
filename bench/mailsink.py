"""The benchmarks' mail server: accepts every message and appends each recipient to a file,
one a line, so that the fault run can count who was mailed, and how often.

    .venv/bin/python bench/mailsink.py 127.0.0.1:2599 var/bench-mail.txt
"""

import signal
import sys

from aiosmtpd.controller import Controller


class Recorder:
    def __init__(self, path: str):
        self.file = open(path, "a", buffering=1)  # noqa: SIM115 (open while the server runs)

    async def handle_DATA(self, server, session, envelope):
        self.file.write("".join(f"{rcpt}\n" for rcpt in envelope.rcpt_tos))
        return "250 OK"


def main() -> None:
    host, port = sys.argv[1].rsplit(":", 1)
    controller = Controller(Recorder(sys.argv[2]), hostname=host, port=int(port))
    controller.start()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        signal.pause()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
