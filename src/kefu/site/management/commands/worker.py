from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Run the background worker (Huey consumer: SQLite store, or Redis when REDIS_URL is set)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=None, help="worker threads")

    def handle(self, *args, workers, **options):
        extra = {"workers": workers} if workers else {}
        call_command("run_huey", **extra)
