"""Demo data of the exchange app (loaded by org.demo after the documents)."""


def load(ctx) -> None:
    return None
