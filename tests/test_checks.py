"""kubesim.checks: every check speaks with one ✅/❌ line and never leaks a traceback."""
from __future__ import annotations

import pytest

from kubesim.checks import (FAIL, NOT_IMPLEMENTED, OK, Checker, Verdict, check, checker,
                            checking, verdict_for)
from kubesim.errors import KubesimError, NotFoundError


def lines(capsys) -> list[str]:
    return capsys.readouterr().out.splitlines()


# ----------------------------------------------------------------------------- check()
def test_check_passes_prints_ok_and_is_truthy(capsys):
    verdict = check(2 + 2 == 4, ok="two and two make four", hint="count again")
    assert verdict and verdict.passed and verdict.reason == "passed"
    assert lines(capsys) == [f"{OK} two and two make four"]


def test_check_fails_prints_hint_and_is_falsy(capsys):
    verdict = check(2 + 2 == 5, ok="two and two make five", hint="count again")
    assert not verdict and verdict.reason == "failed"
    assert verdict.message == "count again"
    assert lines(capsys) == [f"{FAIL} count again"]


def test_check_without_hint_says_not_yet(capsys):
    verdict = check(False, ok="the Pod is Running")
    assert lines(capsys) == [f"{FAIL} Not yet: the Pod is Running"]
    assert str(verdict) == f"{FAIL} Not yet: the Pod is Running"


def test_check_accepts_a_callable_and_converts_its_exception(capsys):
    def answer():
        return undefined_answer  # noqa: F821 - the point of the test

    verdict = check(answer, ok="answered")
    assert not verdict and verdict.reason == "undefined-name"
    assert lines(capsys) == [f"{FAIL} Not yet: `undefined_answer` has no value — write your answer in the cell that defines it and run that cell"]
    assert check(lambda: 3 == 3, ok="lazy")


def test_check_condition_whose_truth_value_raises(capsys):
    class Ambiguous:
        def __bool__(self):
            raise ValueError("truth value is ambiguous")

    verdict = check(Ambiguous(), ok="x")
    assert not verdict and verdict.reason == "exception"
    assert lines(capsys) == [f"{FAIL} Not yet: your code raised ValueError: truth value is ambiguous"]


def test_verdict_is_not_displayed_twice_in_jupyter(capsys):
    from IPython.core.formatters import DisplayFormatter

    verdict = check(True, ok="shown once")
    assert DisplayFormatter().format(verdict) == ({}, {})
    with checking("x") as c:
        pass
    assert DisplayFormatter().format(c) == ({}, {})


# ----------------------------------------------------------------------------- verdict_for()
@pytest.mark.parametrize("exc, reason, message", [
    (NotImplementedError("Your answer here"), "not-implemented", NOT_IMPLEMENTED),
    (NameError("name 'replicas' is not defined", name="replicas"), "undefined-name",
     "Not yet: `replicas` has no value — write your answer in the cell that defines it and run that cell"),
    (NameError("name 'pods' is not defined"), "undefined-name",
     "Not yet: `pods` has no value — write your answer in the cell that defines it and run that cell"),
    (UnboundLocalError("cannot access local variable 'x' where it is not associated with a value"),
     "undefined-name", "Not yet: `x` has no value — write your answer in the cell that defines it and run that cell"),
    (NotFoundError("pods", "web-1"), "kubesim-error",
     'Error from server (NotFound): pods "web-1" not found'),
    (KubesimError("error: unknown command"), "kubesim-error", "error: unknown command"),
    (AssertionError("expected 3 replicas,\n got 2"), "assertion", "expected 3 replicas, got 2"),
    (KeyError("spec"), "exception", "Not yet: your code raised KeyError: 'spec'"),
    (RuntimeError(), "exception", "Not yet: your code raised RuntimeError"),
])
def test_verdict_for_exceptions(exc, reason, message):
    verdict = verdict_for(exc)
    assert verdict == Verdict(False, message, reason)
    assert verdict.line == f"{FAIL} {message}"


def test_not_implemented_mentions_the_placeholder():
    assert "raise NotImplementedError" in NOT_IMPLEMENTED


# ----------------------------------------------------------------------------- checking()
def test_checking_swallows_not_implemented(capsys):
    with checking("the replicas") as c:
        raise NotImplementedError("Your answer here")
    assert not c and c.verdict.reason == "not-implemented"
    assert lines(capsys) == [f"{FAIL} {NOT_IMPLEMENTED}"]


def test_checking_swallows_name_error_from_learner_code(capsys):
    with checking("the manifest") as c:
        check(manifest["kind"] == "Deployment", ok="a Deployment")  # noqa: F821
    assert not c
    assert lines(capsys) == [f"{FAIL} Not yet: `manifest` has no value — write your answer in the cell that defines it and run that cell"]


def test_checking_swallows_kubesim_errors(capsys):
    with checking("the Pod exists") as c:
        raise NotFoundError("pods", "web")
    assert not c and c.verdict.reason == "kubesim-error"
    assert lines(capsys) == [f'{FAIL} Error from server (NotFound): pods "web" not found']


def test_checking_swallows_any_exception_in_one_line(capsys):
    with checking("anything") as c:
        {}["spec"]
    out = lines(capsys)
    assert out == [f"{FAIL} Not yet: your code raised KeyError: 'spec'"]
    assert "Traceback" not in "\n".join(out)
    assert not c


def test_bare_assert_uses_the_checkers_hint(capsys):
    with checking("three replicas", hint="set spec.replicas to 3") as c:
        raise AssertionError  # what a bare `assert` raises in a notebook cell
    assert c.verdict == Verdict(False, "set spec.replicas to 3", "assertion")
    assert lines(capsys) == [f"{FAIL} set spec.replicas to 3"]


def test_checking_with_no_check_and_no_error_passes(capsys):
    with checking("the manifest parses") as c:
        int("3")
    assert c and c.verdict == Verdict(True, "the manifest parses", "passed")
    assert lines(capsys) == [f"{OK} the manifest parses"]


def test_checking_records_module_level_checks_and_keeps_going(capsys):
    with checking("the Deployment") as c:
        check(True, ok="kind is Deployment")
        check(False, ok="3 replicas", hint="set spec.replicas to 3")
        c.check(True, ok="image is nginx")
    assert [v.passed for v in c] == [True, False, True]
    assert not c and c.verdict.message == "set spec.replicas to 3"
    assert lines(capsys) == [f"{OK} kind is Deployment", f"{FAIL} set spec.replicas to 3",
                             f"{OK} image is nginx"]


def test_exception_after_passing_checks_still_fails(capsys):
    with checking("x") as c:
        check(True, ok="first part")
        raise NotImplementedError
    assert not c
    assert lines(capsys) == [f"{OK} first part", f"{FAIL} {NOT_IMPLEMENTED}"]


def test_nested_checking_hands_verdicts_to_the_outer_one(capsys):
    with checking("outer") as outer:
        with checking("inner"):
            raise NotImplementedError
        check(True, ok="after")
    assert not outer and [v.reason for v in outer] == ["not-implemented", "passed"]


def test_checks_outside_a_block_are_not_recorded(capsys):
    with checking("first") as c:
        pass
    check(False, ok="later")
    assert c and len(c.verdicts) == 1


def test_keyboard_interrupt_is_not_swallowed():
    with pytest.raises(KeyboardInterrupt):
        with checking("x"):
            raise KeyboardInterrupt


# ----------------------------------------------------------------------------- @checker
def test_checker_decorator_true_false_and_exceptions(capsys):
    @checker("the scheduler picked node-b", hint="look at the Filter step")
    def placement(node):
        return node == "node-b"

    assert placement("node-b")
    assert lines(capsys) == [f"{OK} the scheduler picked node-b"]
    result = placement("node-a")
    assert isinstance(result, Checker) and not result
    assert lines(capsys) == [f"{FAIL} look at the Filter step"]

    @checker
    def unanswered():
        """the answer is there"""
        raise NotImplementedError

    assert not unanswered()
    assert lines(capsys) == [f"{FAIL} {NOT_IMPLEMENTED}"]
    assert unanswered.__name__ == "unanswered"


def test_checker_with_inner_checks_does_not_print_twice(capsys):
    @checker("everything")
    def parts():
        check(True, ok="part one")
        return check(False, ok="part two", hint="fix part two")

    assert not parts()
    assert lines(capsys) == [f"{OK} part one", f"{FAIL} fix part two"]


def test_checker_without_return_value_passes(capsys):
    @checker()
    def check_something():
        pass

    assert check_something()
    assert lines(capsys) == [f"{OK} check something"]
