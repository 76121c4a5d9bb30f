#!/usr/bin/python3
"""A fake Loki for runnel's tests: the push API as Loki documents it, on 127.0.0.1.

Loki itself is not packaged for Debian 12, so the loki output's tests talk to this server.
What it does, as Loki does:
  POST /loki/api/v1/push with
    Content-Type: application/json  {"streams":[{"stream":{labels},"values":[["<ns>","<line>"]]}]}
                                    (Content-Encoding: gzip accepted)
    Content-Type: application/x-protobuf  a snappy block of logproto.PushRequest
      streams(1) { labels(1) '{a="b", c="d"}', entries(2) { timestamp(1) { seconds(1),
      nanos(2) }, line(2) } }
  answers 204 when every entry was stored. A stream needs at least one label (400 otherwise).
  Per stream, the ordering rule Loki has without unordered writes: an entry older than the
  stream's newest is ignored; an entry with the newest timestamp and the same line as the last
  stored one is a duplicate, dropped silently; the others are stored. When entries were
  ignored the answer is 400, per stream with ignored entries (at most 10 listed):
    entry with timestamp <Go time> ignored, reason: 'entry out of order' for stream: {...},
    total ignored: <n> out of <m>
  The entries that were not ignored are stored all the same.
What it adds for tests:
  --store FILE     stored entries as JSON lines {"stream","ts","line","tenant"}, appended and
                   flushed before the answer; read back at start (a torn last line dropped),
                   so a restarted fake keeps its streams and their newest timestamps.
  POST /fake/fail?status=429&count=N&retry_after=S   the next N pushes get that status.
  GET /fake/stats  {"pushes":..,"stored":..,"ignored":..,"duplicates":..,"content_types":{..}}
  --unordered      Loki's unordered writes (its default since 2.4) instead of the ordering
                   rule: an entry is ignored only when older than the stream's newest minus
                   one hour (max_chunk_age / 2), with reason 'entry too far behind, ...'; an
                   entry with the timestamp and line of one already stored is a duplicate.
  It prints "listening on 127.0.0.1:<port>" on stdout once it listens (--port 0: any port).
"""

import argparse
import datetime
import gzip
import http.server
import json
import re
import sys
import threading
import urllib.parse

import snappy

LOCK = threading.Lock()
STREAMS = {}  # selector -> [newest ns, last line]
STATS = {"pushes": 0, "stored": 0, "ignored": 0, "duplicates": 0, "content_types": {}}
FAIL = {"status": 0, "count": 0, "retry_after": ""}
STORE = None
MAX_RETURNED_ERRORS = 10
UNORDERED = False
UNORDERED_WINDOW_NS = 3600 * 1_000_000_000
SEEN = {}  # --unordered: selector -> set of (ts, line) stored


def go_time(ns):
    """Go's time.Time.String() of a UTC time: 2006-01-02 15:04:05.999999999 +0000 UTC."""
    sec, frac = divmod(ns, 1_000_000_000)
    text = datetime.datetime.fromtimestamp(sec, datetime.timezone.utc).strftime(
        "%Y-%m-%d %H:%M:%S")
    if frac:
        text += "." + ("%09d" % frac).rstrip("0")
    return text + " +0000 UTC"


def rfc3339(ns):
    return datetime.datetime.fromtimestamp(ns // 1_000_000_000, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def quote(value):
    out = []
    for ch in value:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\x%02x" % ord(ch))
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def selector(labels):
    return "{" + ", ".join("%s=%s" % (k, quote(v)) for k, v in sorted(labels.items())) + "}"


LABEL_RE = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"')
ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"'}


def parse_selector(text):
    """'{a="b", c="d"}' -> {"a": "b", "c": "d"}; ValueError when malformed."""
    text = text.strip()
    if not text.startswith("{") or not text.endswith("}"):
        raise ValueError("labels must be in braces")
    body, pos, labels = text[1:-1], 0, {}
    while pos < len(body):
        m = LABEL_RE.match(body, pos)
        if not m:
            raise ValueError("bad label at %d" % pos)
        pos = m.end()
        value = []
        while True:
            if pos >= len(body):
                raise ValueError("unterminated value")
            ch = body[pos]
            if ch == '"':
                pos += 1
                break
            if ch == "\\":
                nxt = body[pos + 1]
                if nxt == "x":
                    value.append(chr(int(body[pos + 2:pos + 4], 16)))
                    pos += 4
                    continue
                value.append(ESCAPES[nxt])
                pos += 2
                continue
            value.append(ch)
            pos += 1
        labels[m.group(1)] = "".join(value)
        while pos < len(body) and body[pos] in " ,":
            pos += 1
    return labels


def varint(data, pos):
    result, shift = 0, 0
    while True:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def fields(data):
    pos = 0
    while pos < len(data):
        tag, pos = varint(data, pos)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            value, pos = varint(data, pos)
        elif wire == 2:
            length, pos = varint(data, pos)
            value = data[pos:pos + length]
            if len(value) != length:
                raise ValueError("truncated field")
            pos += length
        else:
            raise ValueError("unexpected wire type %d" % wire)
        yield number, value


def decode_protobuf(body):
    streams = []
    for number, stream in fields(body):
        if number != 1:
            continue
        labels, entries = None, []
        for n, v in fields(stream):
            if n == 1:
                labels = parse_selector(v.decode("utf-8"))
            elif n == 2:
                sec, nanos, line = 0, 0, b""
                for en, ev in fields(v):
                    if en == 1:
                        for tn, tv in fields(ev):
                            if tn == 1:
                                sec = tv
                            elif tn == 2:
                                nanos = tv
                    elif en == 2:
                        line = ev
                entries.append((sec * 1_000_000_000 + nanos, line.decode("utf-8")))
        streams.append((labels or {}, entries))
    return streams


def decode_json(body):
    streams = []
    for s in json.loads(body)["streams"]:
        entries = [(int(v[0]), v[1]) for v in s["values"]]
        streams.append((dict(s["stream"]), entries))
    return streams


def store_line(stream, ts, line, tenant):
    STORE.write(json.dumps({"stream": stream, "ts": str(ts), "line": line, "tenant": tenant}))
    STORE.write("\n")


def push(streams, tenant):
    """Applies Loki's ordering rule; returns the 400 body, or "" when nothing was ignored."""
    for labels, _ in streams:
        if not labels:
            return "error at least one label pair is required per stream"
    errors = []
    for labels, entries in streams:
        sel = selector(labels)
        state = STREAMS.setdefault(sel, [-1, None])
        seen = SEEN.setdefault(sel, set())
        ignored = []
        for ts, line in entries:
            if UNORDERED:
                if ts < state[0] - UNORDERED_WINDOW_NS:
                    ignored.append(ts)
                    continue
                if (ts, line) in seen:
                    STATS["duplicates"] += 1
                    continue
                seen.add((ts, line))
                if ts >= state[0]:
                    state[0], state[1] = ts, line
            elif ts < state[0]:
                ignored.append(ts)
                continue
            elif ts == state[0] and line == state[1]:
                STATS["duplicates"] += 1
                continue
            else:
                state[0], state[1] = ts, line
            store_line(sel, ts, line, tenant)
            STATS["stored"] += 1
        STATS["ignored"] += len(ignored)
        if ignored:
            for ts in ignored[:MAX_RETURNED_ERRORS]:
                reason = "entry out of order"
                if UNORDERED:
                    reason = ("entry too far behind, entry timestamp is: %s, oldest acceptable "
                              "timestamp is: %s" % (rfc3339(ts),
                                                    rfc3339(state[0] - UNORDERED_WINDOW_NS)))
                errors.append("entry with timestamp %s ignored, reason: '%s' for stream: %s," %
                              (go_time(ts), reason, sel))
            errors.append("total ignored: %d out of %d" % (len(ignored), len(entries)))
    STORE.flush()
    return "\n".join(errors)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if status != 204:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 204:
            self.wfile.write(body)

    def do_GET(self):
        if self.path == "/fake/stats":
            with LOCK:
                body = json.dumps(STATS).encode()
            self.reply(200, body, [("Content-Type", "application/json")])
        elif self.path == "/ready":
            self.reply(200, b"ready\n")
        else:
            self.reply(404, b"404 page not found\n")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        url = urllib.parse.urlparse(self.path)
        if url.path == "/fake/fail":
            q = urllib.parse.parse_qs(url.query)
            with LOCK:
                FAIL["status"] = int(q["status"][0])
                FAIL["count"] = int(q.get("count", ["1"])[0])
                FAIL["retry_after"] = q.get("retry_after", [""])[0]
            self.reply(200, b"ok\n")
            return
        if url.path != "/loki/api/v1/push":
            self.reply(404, b"404 page not found\n")
            return
        ctype = self.headers.get("Content-Type", "")
        with LOCK:
            STATS["pushes"] += 1
            STATS["content_types"][ctype] = STATS["content_types"].get(ctype, 0) + 1
            if FAIL["count"] > 0:
                FAIL["count"] -= 1
                headers = [("Retry-After", FAIL["retry_after"])] if FAIL["retry_after"] else []
                self.reply(FAIL["status"], b"Ingestion rate limit exceeded (fake)\n", headers)
                return
        try:
            if ctype == "application/x-protobuf":
                streams = decode_protobuf(snappy.uncompress(body))
            elif ctype.startswith("application/json"):
                if self.headers.get("Content-Encoding", "") == "gzip":
                    body = gzip.decompress(body)
                streams = decode_json(body)
            else:
                self.reply(415, b"unsupported Content-Type\n")
                return
        except Exception as e:  # noqa: BLE001 -- any malformed body is the client's error
            self.reply(400, ("cannot decode the push request: %s\n" % e).encode())
            return
        tenant = self.headers.get("X-Scope-OrgID", "")
        with LOCK:
            error = push(streams, tenant)
        if error:
            self.reply(400, (error + "\n").encode(), [("Content-Type", "text/plain")])
        else:
            self.reply(204)


def load(path):
    """Reads the store back; drops a torn last line (the fake was killed while writing it)."""
    try:
        with open(path, "rb+") as f:
            kept = 0
            for row in f:
                if not row.endswith(b"\n"):
                    break
                kept += len(row)
                e = json.loads(row)
                ts = int(e["ts"])
                state = STREAMS.setdefault(e["stream"], [-1, None])
                if ts >= state[0]:
                    state[0], state[1] = ts, e["line"]
                SEEN.setdefault(e["stream"], set()).add((ts, e["line"]))
            f.truncate(kept)
    except FileNotFoundError:
        pass


def main():
    global STORE, UNORDERED
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--store", required=True)
    ap.add_argument("--unordered", action="store_true")
    args = ap.parse_args()
    UNORDERED = args.unordered
    load(args.store)
    STORE = open(args.store, "a")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print("listening on 127.0.0.1:%d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
