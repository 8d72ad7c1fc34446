"""Errors a learner sees, worded exactly as kubectl prints them.

Every exception here is a :class:`KubesimError` whose ``str()`` is the text kubectl
would print for the same failure.  ``Cluster.kubectl()`` prints that text instead of
raising; ``Cluster.apply()`` raises it.  Internal bugs are *not* KubesimErrors, so a
real traceback still reaches contributors.

Sources: k8s.io/apimachinery/pkg/api/errors (StatusError reasons and messages),
k8s.io/kubectl/pkg/cmd/util/helpers.go (``StandardErrorMessage``, ``CheckErr``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence


class KubesimError(Exception):
    """Base class: ``str(err)`` is the kubectl text for this error."""

    #: HTTP status code the API server would answer with (0 for client-side errors).
    code: int = 0
    #: metav1.StatusReason (``Invalid``, ``NotFound`` …) or '' for client-side errors.
    reason: str = ""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    # simpy hands a failed event's exception to a waiting process as a *copy* made with
    # ``type(exc)(*exc.args)``, so every subclass keeps its constructor arguments in
    # ``args``.

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------- client side
class ParseError(KubesimError):
    """The manifest is not valid YAML/JSON (kubectl names the line)."""


class NoKindMatchError(KubesimError):
    """``error: resource mapping not found …: no matches for kind "X" in version "v"``."""


class UsageError(KubesimError):
    """A kubectl command line kubesim does not understand."""


# --------------------------------------------------------------------------- field errors
@dataclass(frozen=True)
class FieldError:
    """One entry of a Kubernetes ``field.ErrorList`` (k8s.io/apimachinery/pkg/util/validation/field).

    ``type`` is the ErrorType's text: ``Invalid value``, ``Required value``,
    ``Unsupported value``, ``Duplicate value``, ``Forbidden``, ``Too long``,
    ``Too many``, ``Not found``, ``Internal error``.
    """

    type: str
    field: str
    value: Any = None
    detail: str = ""

    def __str__(self) -> str:
        # field.Error.Error(): "<field>: <ErrorBody>"; ErrorBody prints the value only for
        # the types that carry one.
        if self.type in ("Required value", "Forbidden", "Too long", "Internal error", "Too many"):
            body = self.type
        elif self.type == "Unsupported value":
            body = f"{self.type}: {go_value(self.value)}"
        else:
            body = f"{self.type}: {go_value(self.value)}"
        if self.detail:
            body += f": {self.detail}"
        return f"{self.field}: {body}"


def go_value(value: Any) -> str:
    """Render a value the way Go's ``%#v``/``%q`` shows it in field errors."""
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        items = ", ".join(f"{go_value(k)}:{go_value(v)}" for k, v in sorted(value.items()))
        return "map[string]string{" + items + "}"
    if isinstance(value, (list, tuple)):
        return "[]string{" + ", ".join(go_value(v) for v in value) + "}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --------------------------------------------------------------------------- server side
class StatusError(KubesimError):
    """An error the API server answered with (a ``metav1.Status``)."""

    def __init__(self, message: str, code: int = 500, reason: str = "InternalError",
                 status_message: str = ""):
        super().__init__(message)
        self.code = code
        self.reason = reason
        #: The server's own message (metav1.Status.message), without kubectl's prefix;
        #: kubectl apply wraps it as 'error when creating "file.yaml": <status_message>'.
        self.status_message = status_message or message
        self.args = (message, code, reason, status_message)

    def __reduce__(self):
        return (type(self), self.args)


class InvalidError(StatusError):
    """422 Invalid: ``The Deployment "web-app" is invalid: <field errors>``."""

    def __init__(self, kind: str, name: str, errors: Sequence[FieldError]):
        self.kind, self.name, self.errors = kind, name, list(errors)
        # kubectl's StandardErrorMessage for an Invalid StatusError with causes:
        # one cause on the same line, several as "* " bullets.
        if len(self.errors) == 1:
            details = str(self.errors[0])
        else:
            details = "\n" + "\n".join(f"* {e}" for e in self.errors)
        super().__init__(f'The {kind} "{name}" is invalid: {details}', code=422, reason="Invalid")
        self.args = (kind, name, self.errors)


class NotFoundError(StatusError):
    """404: ``Error from server (NotFound): pods "x" not found``."""

    def __init__(self, resource: str, name: str, group: str = ""):
        qualified = f"{resource}.{group}" if group else resource
        super().__init__(f'Error from server (NotFound): {qualified} "{name}" not found',
                         code=404, reason="NotFound", status_message=f'{qualified} "{name}" not found')
        self.args = (resource, name, group)


class AlreadyExistsError(StatusError):
    """409: ``Error from server (AlreadyExists): namespaces "x" already exists``."""

    def __init__(self, resource: str, name: str, group: str = ""):
        qualified = f"{resource}.{group}" if group else resource
        super().__init__(f'Error from server (AlreadyExists): {qualified} "{name}" already exists',
                         code=409, reason="AlreadyExists",
                         status_message=f'{qualified} "{name}" already exists')
        self.args = (resource, name, group)


class ConflictError(StatusError):
    """409 Conflict: the object was modified (stale resourceVersion)."""

    def __init__(self, resource: str, name: str, group: str = ""):
        qualified = f"{resource}.{group}" if group else resource
        text = (f'Operation cannot be fulfilled on {qualified} "{name}": the object has been '
                "modified; please apply your changes to the latest version and try again")
        super().__init__(f"Error from server (Conflict): {text}", code=409, reason="Conflict",
                         status_message=text)
        self.args = (resource, name, group)


class BadRequestError(StatusError):
    """400 BadRequest, e.g. strict decoding errors for unknown fields."""

    def __init__(self, message: str):
        super().__init__(f"Error from server (BadRequest): {message}", code=400, reason="BadRequest",
                         status_message=message)
        self.args = (message,)


class ForbiddenError(StatusError):
    """403: ``Error from server (Forbidden): <message>``."""

    def __init__(self, message: str):
        super().__init__(f"Error from server (Forbidden): {message}", code=403, reason="Forbidden",
                         status_message=message)
        self.args = (message,)


class UnauthorizedError(StatusError):
    """401: ``error: You must be logged in to the server (Unauthorized)``."""

    def __init__(self):
        super().__init__("error: You must be logged in to the server (Unauthorized)",
                         code=401, reason="Unauthorized")
        self.args = ()


class ServerUnavailableError(StatusError):
    """The API server could not be reached, or could not reach etcd in time."""

    def __init__(self, message: str, code: int = 0, reason: str = "ServiceUnavailable"):
        super().__init__(message, code=code, reason=reason)
        self.args = (message, code, reason)
