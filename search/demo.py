"""Demo data of the search app (loaded by org.demo after the documents)."""


def load(ctx) -> None:
    return None
