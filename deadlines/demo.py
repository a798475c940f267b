"""The deadlines part of the demo office (called by org.demo.load_demo with its context)."""


def load(ctx) -> None:
    """Nothing yet."""
    from .extension_demo import load as load_extensions

    load_extensions(ctx)  # a pending extension request and a sender's agreement
