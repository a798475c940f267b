"""Background job of the search app, run by the django-q2 worker from the schedule
``search.refresh_index`` (every two minutes, migration 0003)."""

from . import indexing


def refresh_index() -> str:
    count = indexing.refresh()
    return f"检索索引已更新：{count}件公文。"
