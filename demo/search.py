"""The search part of the demo office (loaded by demo.office.load_demo after the documents): index every demo
document, so the search box finds them at once (later changes are picked up by
the worker after each write, search.middleware, and by the scheduled job)."""


def load(ctx) -> None:
    from search.indexing import reindex_all

    reindex_all()
