"""Operations (运维): backing up a deployment and restoring it (``manage.py backup``, ``manage.py restore``)."""
