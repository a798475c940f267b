"""Background jobs of the stats app, run by the django-q2 worker (``manage.py qcluster``)."""

from . import services


def compute_recent() -> str:
    """Nightly: recompute the month under way and the one before it (a month computed
    after its end is final)."""
    done = services.compute_recent()
    return "；".join(f"{c.year}年{c.month}月：{c.agencies}个机关，{c.seconds:.1f}秒" for c in done)
