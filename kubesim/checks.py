"""One voice for every exercise check: ``✅`` when something is right, ``❌`` plus a hint when not.

A check cell in an exercise notebook never shows a learner a raw traceback: whatever goes
wrong while checking (the answer is still ``raise NotImplementedError``, a variable is not
defined because a cell was skipped, kubesim refused a manifest, any other exception) becomes
one ``❌`` line that says what to do next.

Usage in an exercise notebook::

    from kubesim.checks import check, checking

    # One condition.
    check(replicas == 3, ok="your Deployment asks for 3 replicas",
          hint="set `spec.replicas` to 3 in the manifest")

    # Several conditions, protected against any exception raised while checking.
    with checking("your Deployment manifest"):
        check(manifest["kind"] == "Deployment", ok="it is a Deployment",
              hint="`kind` should be `Deployment`")
        check(manifest["spec"]["replicas"] == 3, ok="it asks for 3 replicas",
              hint="set `spec.replicas` to 3")

If the learner has not run the cell that defines ``manifest``, the second cell prints::

    ❌ Not yet: `manifest` has no value — write your answer in the cell that defines it and run that cell

A whole check can also be written as a function::

    @checker("the scheduler picked node-b")
    def check_placement():
        return placement["web-1"] == "node-b"

    check_placement()   # ✅ the scheduler picked node-b

Every function returns a :class:`Verdict` (or a :class:`Checker` holding several), which is
truthy exactly when the check passed, so tests assert on outcomes instead of parsing printed
text::

    assert check(1 + 1 == 2, ok="arithmetic works")
    with checking("x") as c:
        raise NotImplementedError
    assert not c and c.verdict.reason == "not-implemented"

A Verdict has already printed its line when it is returned, so Jupyter does not display it a
second time when it is the last expression of a cell.
"""
from __future__ import annotations

import functools
import re
import sys
from dataclasses import dataclass
from typing import Any, Callable, Iterator, TextIO

from kubesim.errors import KubesimError

__all__ = ["OK", "FAIL", "Verdict", "Checker", "check", "checking", "checker", "verdict_for"]

OK = "✅"
FAIL = "❌"

#: Shown when the learner's answer is still the exercise's placeholder.
NOT_IMPLEMENTED = "Not yet: replace the `raise NotImplementedError` line with your answer"

# Reasons a Verdict can carry (``Verdict.reason``), for tests.
REASONS = (
    "passed",            # the condition held
    "failed",            # the condition did not hold
    "not-implemented",   # NotImplementedError: the placeholder is still there
    "undefined-name",    # NameError: a cell was not run (or a typo)
    "kubesim-error",     # kubesim refused something, worded as kubectl would
    "assertion",         # an assert inside the check failed
    "exception",         # anything else went wrong
)


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check: truthy exactly when it passed.

    ``message`` is the text after the ✅/❌ mark; ``reason`` is one of :data:`REASONS`.
    """

    passed: bool
    message: str
    reason: str = "passed"

    def __bool__(self) -> bool:
        return self.passed

    @property
    def line(self) -> str:
        """The line printed for this verdict, e.g. ``"✅ the Pod is Running"``."""
        return f"{OK if self.passed else FAIL} {self.message}"

    def __str__(self) -> str:
        return self.line

    def _ipython_display_(self) -> None:
        # The line was printed when the check ran; do not show an ``Out[n]:`` repr as well.
        return None


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _undefined_name(exc: NameError) -> str | None:
    name = getattr(exc, "name", None)
    if name:
        return name
    match = re.search(r"'([^']+)'", str(exc))
    return match.group(1) if match else None


def verdict_for(exc: BaseException) -> Verdict:
    """Turn an exception raised while checking into a one-line ❌ :class:`Verdict`.

    * ``NotImplementedError`` → "Not yet: replace the `raise NotImplementedError` line …"
    * ``NameError`` for ``x`` → "Not yet: `x` has no value — write your answer in the cell that defines it and run that cell"
    * :class:`kubesim.errors.KubesimError` → its text, exactly as kubectl would print it
    * ``AssertionError`` → its message (or a generic "Not yet")
    * anything else → "Not yet: your code raised <Type>: <message>"
    """
    if isinstance(exc, NotImplementedError):
        return Verdict(False, NOT_IMPLEMENTED, "not-implemented")
    if isinstance(exc, NameError):
        name = _undefined_name(exc)
        if name:
            return Verdict(False, f"Not yet: `{name}` has no value — write your answer in the cell that defines it and run that cell",
                           "undefined-name")
        return Verdict(False, f"Not yet: {_one_line(exc)}", "undefined-name")
    if isinstance(exc, KubesimError):
        # Kept verbatim (it may span lines, like kubectl's bullet list of field errors).
        return Verdict(False, str(exc), "kubesim-error")
    if isinstance(exc, AssertionError):
        text = _one_line(exc) or "Not yet: a condition of this check does not hold"
        return Verdict(False, text, "assertion")
    detail = _one_line(exc)
    what = type(exc).__name__ + (f": {detail}" if detail else "")
    return Verdict(False, f"Not yet: your code raised {what}", "exception")


# Checkers that are currently open (``with checking(...)``); module-level check() calls
# inside such a block are recorded by the innermost one.
_active: list["Checker"] = []


def _emit(verdict: Verdict, out: TextIO | None = None) -> Verdict:
    print(verdict.line, file=out if out is not None else sys.stdout, flush=True)
    return verdict


def _evaluate(condition: Any, ok: str, hint: str | None) -> Verdict:
    try:
        if callable(condition):
            condition = condition()
        passed = bool(condition)
    except Exception as exc:  # noqa: BLE001 - a learner never sees a raw traceback
        return verdict_for(exc)
    if passed:
        return Verdict(True, ok, "passed")
    return Verdict(False, hint or f"Not yet: {ok}", "failed")


def check(condition: Any, ok: str, hint: str | None = None) -> Verdict:
    """Print ``✅ <ok>`` if ``condition`` is true, else ``❌ <hint>``; return the :class:`Verdict`.

    ``ok`` says what was verified, in words a learner understands ("the Pod is Running").
    ``hint`` says what to try when it is not true; without one the learner reads
    "❌ Not yet: <ok>".  ``condition`` may be a zero-argument callable (e.g. a ``lambda``):
    it is then evaluated here, so an exception it raises becomes a ❌ line instead of a
    traceback.  Inside ``with checking(...)`` the verdict is also recorded by that checker.
    """
    verdict = _emit(_evaluate(condition, ok, hint))
    if _active:
        _active[-1].verdicts.append(verdict)
    return verdict


class Checker:
    """Several checks about one thing, as recorded by :func:`checking` / :func:`checker`.

    Truthy exactly when nothing went wrong: no exception, every recorded check passed, and
    (for :func:`checker`) the function did not return ``False``.
    """

    def __init__(self, what: str, hint: str | None = None):
        self.what = what
        self.hint = hint
        #: Every verdict printed while this checker was open, in order.
        self.verdicts: list[Verdict] = []

    def check(self, condition: Any, ok: str, hint: str | None = None) -> Verdict:
        """Same as the module-level :func:`check`, recorded by this checker."""
        verdict = _emit(_evaluate(condition, ok, hint))
        self.verdicts.append(verdict)
        return verdict

    def fail(self, hint: str | None = None) -> Verdict:
        """Record and print a ❌ verdict (default text: this checker's hint)."""
        verdict = _emit(Verdict(False, hint or self.hint or f"Not yet: {self.what}", "failed"))
        self.verdicts.append(verdict)
        return verdict

    @property
    def passed(self) -> bool:
        return all(self.verdicts)

    def __bool__(self) -> bool:
        return self.passed

    @property
    def verdict(self) -> Verdict:
        """One verdict for the whole checker: the first failure, or ✅ <what>."""
        for verdict in self.verdicts:
            if not verdict:
                return verdict
        return Verdict(True, self.what, "passed")

    def __iter__(self) -> Iterator[Verdict]:
        return iter(self.verdicts)

    def __repr__(self) -> str:
        return f"Checker({self.what!r}, verdicts={self.verdicts!r})"

    def _ipython_display_(self) -> None:
        return None


class checking:
    """Context manager: ``with checking("what is verified", hint=...) as c: ...``.

    Inside the block use :func:`check` (or ``c.check``).  Any exception raised inside is
    caught and printed as one ❌ line (see :func:`verdict_for`); the block then ends, like a
    failed ``assert``.  If the block records no check and raises nothing, it prints
    ``✅ <what>`` itself, so ``with checking("the manifest parses"): parse(text)`` is a
    complete check.  ``KeyboardInterrupt`` and ``SystemExit`` are not swallowed.
    """

    def __init__(self, what: str, hint: str | None = None):
        self.checker = Checker(what, hint)

    def __enter__(self) -> Checker:
        _active.append(self.checker)
        return self.checker

    def __exit__(self, exc_type, exc, tb) -> bool:
        _active.remove(self.checker)
        if exc is not None and not isinstance(exc, Exception):
            return False  # KeyboardInterrupt, SystemExit: let them through
        if exc is not None:
            verdict = verdict_for(exc)
            if verdict.reason == "assertion" and not str(exc).strip() and self.checker.hint:
                verdict = Verdict(False, self.checker.hint, "assertion")
            self.checker.verdicts.append(_emit(verdict))
        elif not self.checker.verdicts:
            self.checker.verdicts.append(_emit(Verdict(True, self.checker.what, "passed")))
        if _active:  # nested: the enclosing checker owns these verdicts too
            _active[-1].verdicts.extend(self.checker.verdicts)
        return True


def checker(what: str | Callable[..., Any] | None = None, hint: str | None = None):
    """Decorator turning a function into a check; calling it returns a :class:`Checker`.

    The function runs inside :func:`checking`.  It may call :func:`check` for each part,
    or simply return a truth value: ``False`` prints ``❌ <hint>`` and anything else (with
    no failed part) prints ``✅ <what>``.  ``what`` defaults to the first line of the
    docstring, then to the function's name.  Usable as ``@checker`` or ``@checker("…")``.
    """

    def decorate(fn: Callable[..., Any]) -> Callable[..., Checker]:
        title = what if isinstance(what, str) else None
        if title is None:
            doc = (fn.__doc__ or "").strip()
            title = doc.splitlines()[0] if doc else fn.__name__.replace("_", " ")

        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Checker:
            with checking(title, hint) as c:
                result = fn(*args, **kwargs)
                if isinstance(result, Verdict) and result in c.verdicts:
                    pass  # made by check() inside the function: already printed and recorded
                elif isinstance(result, Checker):
                    pass  # a nested checking(): its verdicts were handed to this one
                elif result is not None and not result:
                    c.fail()
            return c

        return run

    if callable(what):
        return decorate(what)
    return decorate
