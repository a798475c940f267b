"""Background jobs of the search app, run by the django-q2 worker: the schedule
``search.refresh_index`` (every two minutes, migration 0003) and the refresh queued after a
write (``search.indexing.schedule_refresh``)."""

from . import indexing


def refresh_index() -> str:
    count = indexing.refresh()
    return f"检索索引已更新：{count}件公文。"


def refresh_after_write(queued_at: float) -> str:
    count = indexing.refresh_queued(queued_at)
    return f"检索索引已更新：{count}件公文。"
