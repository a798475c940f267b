"""The stats part of the demo office (called by demo.office.load_demo with its context): the
month under way and the one before are computed, so a new user's dashboard has figures
from the first click (the page recomputes the month under way every ten minutes)."""

from stats import services


def load(ctx) -> None:
    # As of now, not ``ctx.now``: the demo's tasks were written while it loaded.
    year, month = services.current_month()
    services.compute_month(*services.previous_month(year, month))
    services.compute_month(year, month)
