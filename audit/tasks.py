"""The worker's audit job: a signed checkpoint of the chain every ``AUDIT_CHECKPOINT_MINUTES``.

The schedule (migration 0003) looks every five minutes and this function decides, so that
changing the interval is a setting, not a change of the schedule in the database.
"""

from django.utils import timezone

from . import checkpoints, refusals


def scheduled_checkpoint():
    """Write a checkpoint when the newest one is older than the interval (or there is none)
    and the chain has grown since. Returns the checkpoint written, or None."""
    refusals.fold()  # the refused accesses noted since the last run enter the chain first
    newest = checkpoints.newest_checkpoint()
    if newest is not None and newest.written_at is not None:
        if timezone.now() - newest.written_at < checkpoints.interval():
            return None
    return checkpoints.write_checkpoint(by="定时任务", only_if_new=True)
