"""After a write through the pages or the API, the search index is refreshed in the worker.

One place sees every write of both: a request with an unsafe method (POST, PUT, PATCH,
DELETE) answered with success or a redirect. Once its transaction has committed,
``search.indexing.after_write`` queues one refresh for the django-q2 worker (debounced: a
burst of writes queues one). A search itself never writes (search/services.py). A refused
form re-rendered with 200 queues a refresh that finds nothing to do: cheap, and it keeps
this rule simple. Writes outside a request (management commands, worker jobs) are picked up
by the scheduled job within two minutes.
"""

from . import indexing

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class RefreshSearchAfterWriteMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in SAFE_METHODS and response.status_code < 400:
            indexing.after_write()
        return response
