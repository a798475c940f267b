"""Demo data of the archive app (loaded by org.demo after the documents)."""


def load(ctx) -> None:
    return None
