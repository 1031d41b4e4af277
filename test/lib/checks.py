"""The reporting every Python check script of tlc shares: one line per
check ("ok  " or "FAIL", the label, a detail), then "N passed, M failed"
and exit status 1 on any failure."""
import sys


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def expect(self, label, ok, detail=""):
        detail = str(detail) if detail else ""
        print(f"{'ok  ' if ok else 'FAIL'} {label}{': ' + detail if detail else ''}",
              flush=True)
        if ok:
            self.passed += 1
        else:
            self.failed += 1

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed")
        sys.exit(1 if self.failed else 0)
