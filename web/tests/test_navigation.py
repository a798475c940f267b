"""The navigation's badges (web/context.py, issue 12): the same counts as 待办 and 待阅, a
delegator's classified task never counted for the stand-in, and no more queries than the
three the navigation always took (posts, both counts, unread notifications)."""

import pytest
import time_machine
from django.test import RequestFactory

from flow import selectors
from flow.tests.test_held_by import BEFORE, DURING, tasks  # noqa: F401 (a fixture)
from web.context import navigation

pytestmark = pytest.mark.django_db

MAX_QUERIES = 3


def nav_for(person):
    request = RequestFactory().get("/")
    request.user = person.user
    request.user.person = person  # loaded once per request before the navigation runs
    return navigation(request)["nav"]


@pytest.mark.parametrize("instant,inbox,toread", [(BEFORE, 1, 1), (DURING, 2, 2)], ids=["alone", "standing-in"])
def test_badges_count_as_the_lists_within_three_queries(office, tasks, instant, inbox,  # noqa: F811
                                                        toread, django_assert_max_num_queries):
    o = office
    with time_machine.travel(instant, tick=True):
        with django_assert_max_num_queries(MAX_QUERIES):
            nav = nav_for(o.leader_b)
        assert (nav["inbox"], nav["toread"]) == (inbox, toread)
        assert nav["inbox"] == selectors.inbox(o.leader_b).count()
        assert nav["toread"] == selectors.to_read(o.leader_b).count()
        assert tasks["a_secret"].pk not in set(selectors.inbox(o.leader_b).values_list("pk", flat=True))
        # The delegator's own badge counts his classified task.
        assert nav_for(o.leader_a)["inbox"] == 2
