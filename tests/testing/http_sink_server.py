#!/usr/bin/env python3
"""An HTTP/1.1 receiver for the http output's tests and benchmark (Python's http.server).

Every request is answered in turn from --script (items CODE or CODE/RETRY_AFTER_SECONDS), then
--flap (503 and 200 alternating) or --default. Each request is recorded, before it is answered,
as one JSON line in --out: {"n", "t" (CLOCK_MONOTONIC seconds), "status", "method", "path",
"headers" (names lower case), "body" (decoded from its Content-Encoding, gzip or zstd, as text)
or "body_hex" (when the body is not UTF-8)}. --count-file is rewritten after each 2xx with
"requests events bytes" (events: the lines of the decoded bodies), for benchmarks. --delay-ms
slows every answer. The bound port is written to --port-file (--port 0: any free port).
"""

import argparse
import gzip
import http.server
import json
import os
import subprocess
import sys
import threading
import time


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--out")
    p.add_argument("--count-file")
    p.add_argument("--script", default="")
    p.add_argument("--default", type=int, default=200)
    p.add_argument("--flap", action="store_true")
    p.add_argument("--delay-ms", type=int, default=0)
    return p.parse_args()


ARGS = parse_args()
LOCK = threading.Lock()
STATE = {"n": 0, "flap": 0, "requests": 0, "events": 0, "bytes": 0}
SCRIPT = [item for item in ARGS.script.split(",") if item]


def next_reply():
    """(status, retry_after or None) for the next request. Called with LOCK held."""
    if SCRIPT:
        item = SCRIPT.pop(0)
        code, _, after = item.partition("/")
        return int(code), (after or None)
    if ARGS.flap:
        STATE["flap"] += 1
        return (503 if STATE["flap"] % 2 == 1 else 200), None
    return ARGS.default, None


def decode(body, encoding):
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "zstd":
        return subprocess.run(["zstd", "-dc"], input=body, stdout=subprocess.PIPE,
                              check=True).stdout
    return body


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        body = decode(raw, self.headers.get("Content-Encoding", ""))
        with LOCK:
            STATE["n"] += 1
            status, retry_after = next_reply()
            if ARGS.out:
                record = {
                    "n": STATE["n"],
                    "t": time.monotonic(),
                    "status": status,
                    "method": self.command,
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                }
                try:
                    record["body"] = body.decode("utf-8")
                except UnicodeDecodeError:
                    record["body_hex"] = body.hex()
                with open(ARGS.out, "a", encoding="utf-8") as f:
                    f.write(json.dumps(record) + "\n")
            if ARGS.count_file and 200 <= status < 300:
                STATE["requests"] += 1
                STATE["events"] += body.count(b"\n") if body.endswith(b"\n") else \
                    body.count(b"\n") + 1
                STATE["bytes"] += len(body)
                tmp = ARGS.count_file + ".tmp"
                with open(tmp, "w", encoding="ascii") as f:
                    f.write("%d %d %d\n" % (STATE["requests"], STATE["events"], STATE["bytes"]))
                os.replace(tmp, ARGS.count_file)
        if ARGS.delay_ms:
            time.sleep(ARGS.delay_ms / 1000.0)
        reply = b"" if 200 <= status < 300 else ("refused with %d\n" % status).encode()
        self.send_response(status)
        if retry_after is not None:
            self.send_header("Retry-After", retry_after)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    do_PUT = do_POST


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    server.daemon_threads = True
    if ARGS.port_file:
        tmp = ARGS.port_file + ".tmp"
        with open(tmp, "w", encoding="ascii") as f:
            f.write("%d\n" % server.server_address[1])
        os.replace(tmp, ARGS.port_file)
    sys.stdout.write("listening on 127.0.0.1:%d\n" % server.server_address[1])
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
