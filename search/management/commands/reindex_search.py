"""``manage.py reindex_search``: rebuild the whole search index (and the user dictionary)."""

from django.core.management.base import BaseCommand

from search.indexing import reindex_all


class Command(BaseCommand):
    help = "重建全文检索索引"

    def handle(self, *args, **options):
        count = reindex_all()
        if options["verbosity"]:
            self.stdout.write(f"已重建检索索引：{count}件公文。")
