"""A tiny local SMTP server for tests (the mail server is outside the system)."""

from __future__ import annotations

import socketserver
import threading


class _Handler(socketserver.StreamRequestHandler):
    def _reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self) -> None:
        self._reply("220 test smtp ready")
        data_mode, lines, mail = False, [], {}
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if data_mode:
                if line == ".":
                    if self.server.delay:
                        import time

                        time.sleep(self.server.delay)
                    data_mode = False
                    mail["data"] = "\n".join(lines)
                    self.server.messages.append(dict(mail))
                    lines, mail = [], {}
                    self._reply("250 queued")
                else:
                    lines.append(line[1:] if line.startswith("..") else line)
                continue
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self._reply("250 test")
            elif verb == "MAIL":
                mail["from"] = line
                self._reply("250 ok")
            elif verb == "RCPT":
                mail.setdefault("to", []).append(line)
                self._reply("250 ok")
            elif verb == "DATA":
                data_mode = True
                self._reply("354 go ahead")
            elif verb == "QUIT":
                self._reply("221 bye")
                return
            else:
                self._reply("250 ok")


class SMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, delay: float = 0.0):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.delay = delay  # seconds per message, to catch a worker mid-batch
        self.messages: list[dict] = []
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()
