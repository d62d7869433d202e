"""A webhook receiver, as docs/WEBHOOKS.md tells one to be written: it
checks each post's signature and age, and handles each delivery id once.

Started by the tests (tests/it/common/receiver.rs) on a free port, which it
prints first. `POST /control` sets its secret, makes the next posts fail
(`fail_next`) or moves its clock (`clock_offset`, seconds); `GET /state`
tells what it received, handled and refused.
"""

import hashlib
import hmac
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WINDOW = 300
lock = threading.Lock()
state = {"secret": None, "fail_next": 0, "clock_offset": 0, "handled": [], "duplicates": 0,
         "refused": [], "attempts": 0}


def verify(secret, header, body, now):
    """None when the signature holds, else why not."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        at = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        return "malformed"
    if abs(now - at) > WINDOW:
        return "stale"
    expected = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return None if hmac.compare_digest(expected, given) else "mismatch"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, payload=None):
        data = json.dumps(payload).encode() if payload is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        with lock:
            self.answer(200, {k: v for k, v in state.items() if k != "secret"})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/control":
            with lock:
                state.update(json.loads(body))
            return self.answer(204)
        with lock:
            state["attempts"] += 1
            if state["fail_next"] > 0:
                state["fail_next"] -= 1
                return self.answer(503, {"error": "asked to fail"})
            now = time.time() + state["clock_offset"]
            why = verify(state["secret"] or "", self.headers.get("X-Labelflow-Signature", ""), body, now)
            if why is None:
                payload = json.loads(body)
                if payload.get("id") != self.headers.get("X-Labelflow-Delivery"):
                    why = "id differs from X-Labelflow-Delivery"
            if why is not None:
                state["refused"].append(why)
                return self.answer(401, {"error": why})
            if any(h["id"] == payload["id"] for h in state["handled"]):
                state["duplicates"] += 1
            else:
                state["handled"].append({"id": payload["id"], "kind": payload["kind"], "body": payload,
                                         "raw": body.decode(),
                                         "signature": self.headers["X-Labelflow-Signature"],
                                         "event_header": self.headers.get("X-Labelflow-Event")})
        self.answer(200, {"ok": True})


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
