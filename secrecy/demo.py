"""Demo data of the secrecy app (loaded by org.demo after the documents)."""


def load(ctx) -> None:
    return None
