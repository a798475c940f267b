"""The supervision part of the demo office (called by org.demo.load_demo with its context)."""


def load(ctx) -> None:
    """Nothing yet."""
