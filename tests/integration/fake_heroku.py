"""A fake Heroku Platform API for the tests: python3's http.server on
127.0.0.1 only (port 0: the kernel picks a free one), nothing else.

It serves what alembic-guard's `releases` and `wait-release` read, the way
the real API does:

  GET  /apps/APP/releases        paged with Range / Next-Range (206) and a
                                 server-side page size, newest first with
                                 order=desc
  GET  /apps/APP/releases/N      one release; a release may change status
                                 across polls ("pending", "pending",
                                 "succeeded")
  GET  /streams/NAME             a release phase's output: plain text,
                                 possibly very large, cut off mid-stream
                                 (Content-Length larger than what is sent),
                                 or gone (404)
  POST /hooks/...                a webhook; bodies are recorded

Every API request is checked like the real one: `Accept:
application/vnd.heroku+json; version=3` and `Authorization: Bearer TOKEN`
(else 401 {"id": "unauthorized", ...}). Answers carry RateLimit-Remaining.

Scripts override any route for the next requests, one canned answer per
request: a status, headers (Retry-After), a JSON or raw body, a delay
(slower than the client's timeout), or a body cut short. Every request is
recorded (method, path, headers, body) for the tests to inspect.

Use it from a test:

    fake = FakeHeroku(token="t").start()
    fake.add_release("my-app", 1, output="...")
    fake.script("GET", "/apps/my-app/releases", {"status": 429, "headers": {"Retry-After": "1"}})
    ... run the binary with HEROKU_API_URL=fake.url ...
    fake.stop()

or alone, from a scenario file (JSON: {"token", "page_max", "ratelimit",
"apps": {APP: [release, ...]}, "scripts": {"GET /path": [answer, ...]}}),
printing its URL: python3 fake_heroku.py scenario.json
"""
import http.server
import json
import re
import sys
import threading
import time
import urllib.parse

ACCEPT = "application/vnd.heroku+json; version=3"


class FakeHeroku:
    def __init__(self, token="test-token", page_max=3, ratelimit=4500):
        self.token = token
        self.page_max = page_max          # the server's own page size cap
        self.ratelimit = ratelimit        # RateLimit-Remaining sent, or None
        self.apps = {}                    # app -> {version: release dict}
        self.polls = {}                   # (app, version) -> statuses still to serve
        self.streams = {}                 # name -> stream spec
        self.scripts = {}                 # (method, path) -> [answer, ...]
        self.requests = []                # every request, in order
        self.posts = []                   # webhook bodies (parsed JSON or raw)
        self.hook_answers = []            # answers for the next webhook POSTs
        self.lock = threading.Lock()
        self.server = None
        self.thread = None

    # --- setup -------------------------------------------------------

    @property
    def url(self):
        host, port = self.server.server_address[:2]
        return "http://%s:%d" % (host, port)

    def start(self):
        fake = self

        class Handler(_Handler):
            pass

        Handler.fake = fake
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def add_release(self, app, version, status="succeeded", description=None,
                    user="dev@example.com", output=None, stream=None, polls=None,
                    current=None):
        """output: text (or bytes) of the release phase; stream: a spec
        for it ({"body": bytes, "cut_at": N, "status": 404}); polls: the
        statuses successive GETs of this release return before `status`."""
        rel = {
            "addon_plan_names": [],
            "artifacts": [],
            "app": {"id": "01234567-89ab-cdef-0123-456789abcdef", "name": app},
            "created_at": "2024-05-%02dT10:%02d:00Z" % (1 + version % 28, version % 60),
            "description": description if description is not None else "Deploy %07x" % (version * 4099),
            "id": "%08x-0000-4000-8000-%012x" % (version, version),
            "slug": {"id": "5106c6d6-0000-4000-8000-%012x" % version},
            "status": status,
            "updated_at": "2024-05-%02dT10:%02d:30Z" % (1 + version % 28, version % 60),
            "user": {"email": user, "id": "11111111-2222-4333-8444-555555555555"},
            "version": version,
            "current": False,
            "output_stream_url": None,
        }
        name = "%s-v%d" % (app, version)
        if output is not None or stream is not None:
            spec = dict(stream or {})
            if output is not None:
                spec["body"] = output.encode() if isinstance(output, str) else output
            self.streams[name] = spec
            rel["output_stream_url"] = "__BASE__/streams/%s" % name
        with self.lock:
            releases = self.apps.setdefault(app, {})
            releases[version] = rel
            if polls:
                self.polls[(app, version)] = list(polls)
            if current is None:
                ok = [v for v, r in releases.items() if r["status"] == "succeeded"]
                for v, r in releases.items():
                    r["current"] = bool(ok) and v == max(ok)
            else:
                rel["current"] = current
        return rel

    def script(self, method, path, *answers):
        """The next requests to method+path get these answers, in order;
        then the route answers normally again."""
        with self.lock:
            self.scripts.setdefault((method, path), []).extend(answers)

    def api_requests(self, path_prefix="/apps/"):
        return [r for r in self.requests if r["path"].startswith(path_prefix)]

    # --- behaviour -------------------------------------------------------

    def release_json(self, rel):
        out = dict(rel)
        if out["output_stream_url"]:
            out["output_stream_url"] = out["output_stream_url"].replace("__BASE__", self.url)
        return out


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake = None

    def log_message(self, fmt, *args):  # quiet
        pass

    # --- plumbing ----------------------------------------------------------

    def _record(self, body):
        entry = {
            "method": self.command,
            "path": urllib.parse.urlsplit(self.path).path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body,
            "time": time.monotonic(),
        }
        with self.fake.lock:
            self.fake.requests.append(entry)
        return entry

    def _send(self, status, body=b"", headers=None, cut_at=None, delay=0):
        if delay:
            time.sleep(delay)
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            ctype = "application/json"
        elif isinstance(body, str):
            body = body.encode()
            ctype = "text/plain; charset=utf-8"
        else:
            ctype = "text/plain; charset=utf-8"
        headers = dict(headers or {})
        headers.setdefault("Content-Type", ctype)
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        if cut_at is not None:
            self.send_header("Connection", "close")
        self.end_headers()
        data = body if cut_at is None else body[:cut_at]
        view = memoryview(data)
        try:
            for i in range(0, len(view), 1 << 16):
                self.wfile.write(view[i:i + (1 << 16)])
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        if cut_at is not None:
            # The stream ends before the promised length: the connection
            # closes under the client, as a dropped busl stream does.
            self.close_connection = True

    def _scripted(self, path):
        with self.fake.lock:
            queue = self.fake.scripts.get((self.command, path))
            if queue:
                return queue.pop(0)
        return None

    def _answer(self, a):
        body = a.get("raw")
        if body is None:
            body = a.get("body", b"")
        self._send(a.get("status", 200), body, a.get("headers"), a.get("cut_at"), a.get("delay", 0))

    def _api_headers(self):
        h = {}
        if self.fake.ratelimit is not None:
            h["RateLimit-Remaining"] = str(self.fake.ratelimit)
        return h

    def _read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    # --- routes --------------------------------------------------------------

    def do_GET(self):
        entry = self._record(b"")
        path = entry["path"]
        scripted = self._scripted(path)
        if path.startswith("/apps/"):
            self._api(path, scripted)
        elif path.startswith("/streams/"):
            if scripted:
                return self._answer(scripted)
            self._stream(path[len("/streams/"):])
        else:
            self._send(404, {"id": "not_found", "message": "No such path."})

    def do_POST(self):
        body = self._read_body()
        entry = self._record(body)
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = body
        with self.fake.lock:
            self.fake.posts.append({"path": entry["path"], "body": parsed,
                                    "headers": entry["headers"]})
            answer = self.fake.hook_answers.pop(0) if self.fake.hook_answers else None
        scripted = self._scripted(entry["path"])
        if scripted:
            return self._answer(scripted)
        if answer:
            return self._answer(answer)
        self._send(200, "ok")

    def _api(self, path, scripted):
        fake = self.fake
        if self.headers.get("Accept") != ACCEPT:
            return self._send(400, {"id": "bad_request",
                                    "message": "Accept must be %s." % ACCEPT})
        if self.headers.get("Authorization") != "Bearer %s" % fake.token:
            return self._send(401, {"id": "unauthorized",
                                    "message": "Invalid credentials provided."})
        if scripted:
            a = dict(scripted)
            a["headers"] = dict(self._api_headers(), **(a.get("headers") or {}))
            return self._answer(a)
        m = re.fullmatch(r"/apps/([^/]+)/releases(?:/([^/]+))?", path)
        if not m:
            return self._send(404, {"id": "not_found", "message": "No such path."},
                              self._api_headers())
        app, one = m.group(1), m.group(2)
        with fake.lock:
            releases = fake.apps.get(app)
        if releases is None:
            return self._send(404, {"id": "not_found", "message": "Couldn't find that app.",
                                    "resource": "app"}, self._api_headers())
        if one is not None:
            return self._one(app, releases, one)
        self._list(releases)

    def _one(self, app, releases, one):
        fake = self.fake
        try:
            version = int(one.lstrip("v"))
        except ValueError:
            version = None
        with fake.lock:
            rel = releases.get(version)
            if rel is None:
                body = {"id": "not_found", "message": "Couldn't find that release."}
                status = 404
            else:
                rel = fake.release_json(rel)
                queue = fake.polls.get((app, version))
                if queue:
                    rel["status"] = queue.pop(0)
                body, status = rel, 200
        self._send(status, body, self._api_headers())

    def _list(self, releases):
        fake = self.fake
        rng = self.headers.get("Range") or ""
        # "version ..; max=N, order=desc" or our own Next-Range,
        # "version ]V..; max=N, order=desc".
        m = re.fullmatch(r"version (\]?)(\d*)\.\.(?:; (.*))?", rng)
        if rng and not m:
            return self._send(400, {"id": "bad_request", "message": "Invalid Range header."},
                              self._api_headers())
        params = {}
        if m and m.group(3):
            for part in m.group(3).split(","):
                k, _, v = part.strip().partition("=")
                params[k] = v
        desc = params.get("order") == "desc"
        want = int(params.get("max") or 200)
        with fake.lock:
            ordered = sorted(releases, reverse=desc)
            if m and m.group(2):
                start, exclusive = int(m.group(2)), m.group(1) == "]"
                if desc:
                    ordered = [v for v in ordered if v < start or (v == start and not exclusive)]
                else:
                    ordered = [v for v in ordered if v > start or (v == start and not exclusive)]
            page = ordered[:min(want, fake.page_max)]
            body = [fake.release_json(releases[v]) for v in page]
            more = len(ordered) > len(page)
        headers = self._api_headers()
        headers["Accept-Ranges"] = "id, version"
        if more:
            headers["Next-Range"] = "version ]%d..; max=%d%s" % (
                page[-1], want, ", order=desc" if desc else "")
            return self._send(206, body, headers)
        self._send(200, body, headers)

    def _stream(self, name):
        spec = self.fake.streams.get(name)
        if spec is None or spec.get("status") in (404, 410):
            return self._send(404, "Not Found")
        self._send(spec.get("status", 200), spec.get("body", b""), {}, spec.get("cut_at"),
                   spec.get("delay", 0))


def load_scenario(fake, scenario):
    """Fills a FakeHeroku from a scenario dict (see the module doc)."""
    for app, rels in scenario.get("apps", {}).items():
        for r in rels:
            r = dict(r)
            fake.add_release(app, r.pop("version"), **r)
    for key, answers in scenario.get("scripts", {}).items():
        method, path = key.split(" ", 1)
        fake.script(method, path, *answers)
    return fake


def main(argv):
    scenario = {}
    if len(argv) > 1:
        with open(argv[1]) as f:
            scenario = json.load(f)
    fake = FakeHeroku(token=scenario.get("token", "test-token"),
                      page_max=scenario.get("page_max", 3),
                      ratelimit=scenario.get("ratelimit", 4500))
    load_scenario(fake, scenario).start()
    print(fake.url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main(sys.argv)
