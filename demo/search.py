"""The search part of the demo office (loaded by demo.office.load_demo after the documents): index every demo
document, so the search box finds them at once (later changes are picked up by
search.indexing.refresh before each search and by the scheduled job)."""


def load(ctx) -> None:
    from search.indexing import reindex_all

    reindex_all()
