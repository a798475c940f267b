"""A program the test starts for real and watches through its log (`make run`'s launcher,
`make cluster`): started in its own session, its output in a file, and polled with a bound,
failing with the log's tail when it exits or the time runs out."""

import subprocess
import time
from pathlib import Path


class Watched:
    name = "the program"

    def start(self, cmd: list[str], *, cwd: Path, env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self.log_file = log_path.open("wb")
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=self.log_file,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def tail(self) -> str:
        return self.log()[-4000:]

    def wait_for(self, what: str, seconds: float, check):
        """Poll check() until it returns something true; fail naming what, with the log's tail."""
        deadline = time.monotonic() + seconds
        while True:
            result = check()
            if result:
                return result
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited ({self.proc.returncode}) while waiting for {what}:\n"
                                     + self.tail())
            if time.monotonic() > deadline:
                raise AssertionError(f"no {what} within {seconds} s:\n" + self.tail())
            time.sleep(0.2)
