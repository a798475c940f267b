"""Gunicorn settings for serving Gongwen (`make run` starts `gunicorn -c server/gunicorn_conf.py`).

Read by gunicorn itself (``gunicorn -c server/gunicorn_conf.py``), so it works the same
without the launcher. Every name below is a gunicorn setting; the choices:

wsgi_app, chdir
    ``server.wsgi:application`` from the project root, whatever directory gunicorn is started
    in. server/wsgi.py refuses to serve while an account has the published demo password
    (unless GONGWEN_DEMO=1): a worker that refuses does not boot and gunicorn stops.
bind
    ``GONGWEN_HOST:GONGWEN_PORT`` (default 127.0.0.1:8000), the same variables `make run` reads.
    Put a TLS-terminating proxy in front to serve beyond the machine (GONGWEN_HTTPS=1).
worker_class, workers, threads
    ``gthread``: each worker process serves requests on a pool of threads. Processes give the
    CPU-heavy work (rendering DOCX/PDF, segmenting Chinese for the search, hashing) every core
    despite the GIL; threads cover the time a request waits on the database or the disk. So
    one process per core plus one (cores + 1: one can wait on I/O while the others compute),
    at least 2 and at most 8, each with 4 threads: 3 × 4 = 12 requests at once on a 2-core
    machine. Not gunicorn's 2 × cores + 1 for sync workers: the threads already give the
    concurrency, and each worker holds its own copy of the application (about 100 MB at boot,
    more once the segmenter's dictionary is loaded), so more processes mostly cost memory. Cores are those this
    process may run on (CPU affinity, e.g. a container's cpuset). GONGWEN_WEB_WORKERS and
    GONGWEN_WEB_THREADS override both.
keepalive
    5 s: a browser loading a page fetches its CSS, scripts and htmx fragments over the
    connection it already has. A gthread worker parks idle connections in its poller (they
    hold no thread), so keeping them costs little; the upper end of gunicorn's advice (1-5 s)
    for clients that connect directly.
timeout
    120 s: the master kills a worker whose heartbeat stops this long. A gthread worker beats
    from its main loop, not from the request threads, so this does not bound a request; it
    catches a worker that is wedged, e.g. a C extension holding the GIL. Long enough for the
    longest render (the worker's task timeout is 120 s too, Q_CLUSTER in settings).
graceful_timeout
    20 s: on SIGTERM (Ctrl-C in `make run`, a restart) workers stop accepting and finish the
    requests they have for up to this long, then are killed. scripts/run.py waits longer
    (STOP_GRACE) before it kills anything.
max_requests, max_requests_jitter
    A worker is replaced, gracefully, after 5000 ± 500 requests: a big upload or render leaves
    a process's memory high (fragmentation) and this bounds how long it stays so. The jitter
    keeps the workers from being replaced all at once; a replacement boots in a few seconds
    while the others serve.
preload_app
    Off: each worker imports the application itself, after the fork, so no database
    connection or thread is shared between processes (server/wsgi.py reads the database at
    import), and a replaced worker runs the code as it is on disk.
worker_tmp_dir
    /dev/shm when there is one: the heartbeat file lives in memory, so a busy disk cannot
    stall a worker's heartbeat (gunicorn's advice).
accesslog, access_log_format, errorlog, loglevel
    One line per request on standard output, readable and greppable: time, client, request
    line, status, bytes, duration in milliseconds and the request id (请求编号, the
    X-Request-ID response header, the number a user reads off an error page), then the
    browser. Gunicorn's own messages (workers booting, exiting, killed) go to standard error
    at INFO.
post_worker_init
    Django answers HEAD with the body of the GET and leaves dropping it to the server, as WSGI
    allows; gunicorn drops it (RFC 9110) and warns, once per HEAD request, which would fill the
    log with warnings from every uptime probe. That one warning is left out for HEAD (not for
    a 204 or 304 with a body, which would be a fault of ours).
control_socket_disable
    Gunicorn 25+ opens a control socket by default at one path per user
    ($XDG_RUNTIME_DIR/gunicorn.ctl or ~/.gunicorn/gunicorn.ctl), shared by every instance of
    that user and a way to change the server at run time; scripts/run.py supervises the
    server, so none is opened.
forwarded_allow_ips (left at its default, 127.0.0.1 and ::1)
    X-Forwarded-Proto is trusted from a proxy on the same machine only.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class _HeadBodyDropped(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (str(record.msg).startswith("WSGI app sent body bytes on a no-body response")
                    and isinstance(record.args, tuple) and record.args[:1] == ("HEAD",))


def post_worker_init(worker) -> None:
    logging.getLogger("gunicorn.http.wsgi").addFilter(_HeadBodyDropped())


wsgi_app = "server.wsgi:application"
chdir = str(Path(__file__).resolve().parent.parent)

bind = [f"{os.environ.get('GONGWEN_HOST', '127.0.0.1')}:{os.environ.get('GONGWEN_PORT', '8000')}"]

worker_class = "gthread"
workers = int(os.environ.get("GONGWEN_WEB_WORKERS") or min(max(_cores() + 1, 2), 8))
threads = int(os.environ.get("GONGWEN_WEB_THREADS") or 4)

keepalive = 5
timeout = 120
graceful_timeout = 20
max_requests = 5000
max_requests_jitter = 500
preload_app = False
_SHM = "/dev/shm"  # noqa: S108 (gunicorn makes its heartbeat file with mkstemp and unlinks it at once)
if os.path.isdir(_SHM) and os.access(_SHM, os.W_OK):
    worker_tmp_dir = _SHM

accesslog = "-"
access_log_format = '%(t)s %(h)s "%(r)s" %(s)s %(b)s %(M)sms id=%({x-request-id}o)s "%(a)s"'
errorlog = "-"
loglevel = "info"

control_socket_disable = True
