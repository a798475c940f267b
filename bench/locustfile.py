"""The HTTP load test of `make bench` (issue 12), run headless by bench/capacity.py.

Each virtual user is one office worker: it reads (90% of its requests: 工作台, 待办, the
documents it holds, 登记簿 and 搜索 where its posts open them) and writes (10%: 送下一步 of
a document at 初审, by the secretariat, through the page's htmx form), with 1–3 s of
thinking between requests. What each user may open is decided beforehand by
bench/capacity.py and handed over in the JSON file named by GONGWEN_BENCH_PLAN: the session
cookies of signed-in people, their URLs (each checked to answer 200), and for the writes a
disjoint list of (document, task) pairs per user, so no two users send on the same task.

A request counts as failed when the status is not 200 or, for a write, when the answer is not
the success message ("已办理"): a refusal shown on the page is a failure here.
"""

import itertools
import json
import os
import random
import threading

from locust import HttpUser, between, task

PLAN = json.loads(open(os.environ["GONGWEN_BENCH_PLAN"], encoding="utf-8").read())
_next_user = itertools.count()
_lock = threading.Lock()


class OfficeWorker(HttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        with _lock:
            n = next(_next_user)
        self.reader = PLAN["readers"][n % len(PLAN["readers"])]
        self.writer = PLAN["writer"]
        self.writes = list(PLAN["writes"][n % len(PLAN["writes"])])
        self.rng = random.Random(n)
        self.urls = [(url, name) for url, name, weight in self.reader["urls"] for _ in range(weight)]

    def _cookies(self, who):
        self.client.cookies.clear()  # only the cookies of the person acting, never one the server set
        return {"sessionid": who["session"], "csrftoken": who["csrf"]}

    @task(9)
    def read(self):
        url, name = self.rng.choice(self.urls)
        self.client.get(url, name=name, cookies=self._cookies(self.reader))

    @task(1)
    def write(self):
        if not self.writes:
            return self.read()
        document, task_id = self.writes.pop()
        with self.client.post(f"/documents/{document}/op/send_on/", name="送下一步 (POST)",
                              data={"task": task_id, "opinion": "请拟办。"},
                              headers={"HX-Request": "true", "X-CSRFToken": self.writer["csrf"]},
                              cookies=self._cookies(self.writer), catch_response=True) as response:
            if response.status_code != 200 or "已办理" not in response.text:
                response.failure(f"HTTP {response.status_code}: not sent on")
