from django.db import models


class WorkerHeartbeat(models.Model):
    """The last time a background worker ran its periodic heartbeat."""

    name = models.CharField(max_length=100, unique=True)
    last_seen = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_seen:%Y-%m-%d %H:%M:%S}"
