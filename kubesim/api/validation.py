"""What the API server checks before it stores an object.

A write passes three gates, in this order (k8s.io/apiserver/pkg/endpoints/handlers):

1. :func:`decode` -- the JSON body becomes a typed Go object.  Wrong types and (with
   ``fieldValidation=Strict``, kubectl's default since 1.27) unknown fields are rejected
   here with *400 BadRequest*.
2. defaulting (:mod:`kubesim.api.defaults`).
3. :func:`validate` -- the semantic rules of pkg/apis/*/validation, which answer
   *422 Invalid* with a list of field errors.

Messages are Kubernetes' own (v1.33); each rule cites the Go function it follows.
"""
from __future__ import annotations

import ipaddress
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

from kubesim.errors import BadRequestError, FieldError
from kubesim.api.quantity import parse_quantity
from kubesim.api.selectors import (
    DNS1123_LABEL_FMT, is_dns1123_subdomain, is_qualified_name, is_valid_label_value,
    label_selector_as_selector, regex_error, max_len_error, validate_label_selector, validate_labels,
)

SCHEMA_FILE = Path(__file__).parent / "schemas" / "k8s-v1.33.json"
RBAC_GROUP = "rbac.authorization.k8s.io"


# =========================================================================== decoding
@lru_cache(maxsize=1)
def schema_bundle() -> dict:
    """The bundled v1.33 OpenAPI schemas (built by tools/build_schema_bundle.py)."""
    return json.loads(SCHEMA_FILE.read_text())


class _AbortDecode(Exception):
    """A custom UnmarshalJSON failed: Go's decoder stops at once with this error."""


class _Decoder:
    """Mimics sigs.k8s.io/json UnmarshalStrict into the typed object (the API server's
    decoder): the first type error wins, unknown fields are collected as strict errors."""

    def __init__(self):
        self.defs = schema_bundle()["$defs"]
        self.type_error: Optional[str] = None
        self.unknown: list[str] = []

    def resolve(self, node: dict) -> tuple[dict, Optional[str]]:
        name = None
        while "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            node = self.defs[name]
        return node, name

    def go_type(self, node: dict) -> str:
        """The Go type a schema node stands for, as reflect prints it (``v1.DeploymentSpec``)."""
        node, name = self.resolve(node)
        if name:
            parts = name.split(".")
            if name.endswith("api.resource.Quantity"):
                return "resource.Quantity"
            if "properties" in node or name.endswith("IntOrString") or name.endswith(".Time"):
                return f"{parts[-2]}.{parts[-1]}"
        types = _types(node)
        if "array" in types:
            return "[]" + self.go_type(node.get("items", {}))
        if "object" in types:
            elem = node.get("additionalProperties")
            if isinstance(elem, dict):
                if self.go_type(elem) == "resource.Quantity":
                    return "v1.ResourceList"
                return "map[string]" + self.go_type(elem)
            return "map[string]interface {}"
        if "integer" in types:
            return node.get("format", "int64")
        if "number" in types:
            return "float64"
        if "boolean" in types:
            return "bool"
        if node.get("format") == "byte":
            return "[]uint8"
        return "string"

    def type_mismatch(self, what: str, node: dict, struct: str, stack: list) -> None:
        if self.type_error is None:   # decodeState.saveError keeps the first one
            self.type_error = (f"json: cannot unmarshal {what} into Go struct field "
                               f"{struct}.{'.'.join(stack)} of type {self.go_type(node)}")

    def walk(self, value: Any, node: dict, struct: str, stack: list, path: str) -> None:
        node, name = self.resolve(node)
        if value is None:
            return                      # null decodes into anything
        if name and name.endswith("api.resource.Quantity"):
            try:                        # Quantity.UnmarshalJSON
                parse_quantity(value.strip() if isinstance(value, str) else value)
            except ValueError as e:
                raise _AbortDecode(str(e)) from None
            return
        if name and name.endswith("IntOrString"):
            if not isinstance(value, str):   # IntOrString.UnmarshalJSON -> json.Unmarshal(&int32)
                what = _json_kind(value, node_type="integer", fmt="int32")
                if what is not None:
                    raise _AbortDecode(f"json: cannot unmarshal {what} into Go value of type int32")
            return
        if name and name.endswith((".Time", ".MicroTime")):
            if not isinstance(value, str):
                raise _AbortDecode(f"json: cannot unmarshal {_json_kind(value)} into Go value of type string")
            return
        if node.get("x-kubernetes-preserve-unknown-fields"):
            return
        types = _types(node)
        if "properties" in node:        # a Go struct
            if not isinstance(value, dict):
                return self.type_mismatch(_json_kind(value), node if not name else {"$ref": "#/$defs/" + name}, struct, stack)
            struct_name = name.rsplit(".", 1)[-1] if name else struct
            for key in sorted(value):   # kubectl sends JSON with sorted keys
                sub = node["properties"].get(key)
                child = f"{path}.{key}" if path else key
                if sub is None:
                    msg = f'unknown field "{child}"'
                    if msg not in self.unknown:
                        self.unknown.append(msg)
                    continue
                self.walk(value[key], sub, struct_name, stack + [key], child)
        elif "array" in types:
            if not isinstance(value, list):
                return self.type_mismatch(_json_kind(value), node, struct, stack)
            for i, item in enumerate(value):
                self.walk(item, node.get("items", {}), struct, stack, f"{path}[{i}]")
        elif "object" in types:         # a map
            if not isinstance(value, dict):
                return self.type_mismatch(_json_kind(value), node, struct, stack)
            elem = node.get("additionalProperties")
            if isinstance(elem, dict):
                for key in sorted(value):
                    self.walk(value[key], elem, struct, stack, f"{path}.{key}")
        else:                           # a scalar
            what = _json_kind(value, node_type=_scalar_type(types), fmt=node.get("format"))
            if what is not None:
                self.type_mismatch(what, node, struct, stack)
            elif node.get("format") == "byte" and not _is_base64(value):
                if self.type_error is None:
                    self.type_error = f"illegal base64 data at input byte {_base64_error_at(value)}"


def _types(node: dict) -> set:
    t = node.get("type", [])
    return set([t] if isinstance(t, str) else t) - {"null"}


def _scalar_type(types: set) -> str:
    for t in ("integer", "number", "boolean", "string"):
        if t in types:
            return t
    return "any"


def _json_kind(value: Any, node_type: str = "", fmt: Optional[str] = None) -> Optional[str]:
    """How Go's UnmarshalTypeError names the JSON value; None when it fits ``node_type``."""
    if isinstance(value, bool):
        return None if node_type in ("boolean", "any") else "bool"
    if isinstance(value, (int, float)):
        if node_type in ("number", "any"):
            return None
        if node_type == "integer":
            literal = repr(value) if isinstance(value, float) and not value.is_integer() else str(int(value))
            bits = 31 if fmt == "int32" else 63
            fits = (not isinstance(value, float) or value.is_integer()) and -(2**bits) <= int(value) < 2**bits
            return None if fits else f"number {literal}"
        return "number"
    if isinstance(value, str):
        return None if node_type in ("string", "any") else "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "string"


def _is_base64(value: str) -> bool:
    return bool(re.fullmatch(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?", value))


def _base64_error_at(value: str) -> int:
    for i, ch in enumerate(value):
        if not (ch.isalnum() and ch.isascii() or ch in "+/="):
            return i
    return len(value) - len(value) % 4


def decode(obj: dict, rt) -> None:
    """Decode ``obj`` as the API server would for ``rt`` (strict field validation).

    Raises :class:`BadRequestError` like ``Deployment in version "v1" cannot be handled
    as a Deployment: strict decoding error: unknown field "spec.replica"``.
    """
    schema = schema_bundle()["kinds"][f"{rt.api_version}/{rt.kind}"]
    decoder = _Decoder()
    try:
        if not isinstance(obj, dict):
            raise _AbortDecode(f"json: cannot unmarshal {_json_kind(obj)} into Go value of type v1.{rt.kind}")
        decoder.walk(obj, schema, rt.kind, [], "")
        error = decoder.type_error
        if error is None and decoder.unknown:
            error = "strict decoding error: " + ", ".join(decoder.unknown[:100])
    except _AbortDecode as e:
        error = str(e)
    if error is not None:
        # handlers/create.go transformDecodeError
        raise BadRequestError(f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: {error}')


# =========================================================================== field errors
class GoLiteral:
    """A value printed the way Go's ``%#v`` shows a struct in a field error."""

    def __init__(self, text: str):
        self.text = text

    def __str__(self) -> str:
        return self.text

    __repr__ = __str__

    def __eq__(self, other) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(self.text)


def _q(s: Any) -> str:
    return json.dumps("" if s is None else str(s))


def _go_strings(values) -> str:
    return "[]string(nil)" if values is None else "[]string{" + ", ".join(_q(v) for v in values) + "}"


def _go_map(m: Optional[dict]) -> str:
    if m is None:
        return "map[string]string(nil)"
    return "map[string]string{" + ", ".join(f"{_q(k)}:{_q(v)}" for k, v in sorted(m.items())) + "}"


def go_label_selector(sel: dict) -> GoLiteral:
    """``v1.LabelSelector{MatchLabels:map[string]string{"app":"web"}, MatchExpressions:…}``"""
    exprs = sel.get("matchExpressions")
    if exprs is None:
        exprs_text = "[]v1.LabelSelectorRequirement(nil)"
    else:
        exprs_text = "[]v1.LabelSelectorRequirement{" + ", ".join(
            f'v1.LabelSelectorRequirement{{Key:{_q(e.get("key"))}, Operator:{_q(e.get("operator"))}, '
            f'Values:{_go_strings(e.get("values"))}}}' for e in exprs) + "}"
    return GoLiteral(f"v1.LabelSelector{{MatchLabels:{_go_map(sel.get('matchLabels'))}, MatchExpressions:{exprs_text}}}")


def go_int_or_string(value) -> GoLiteral:
    """``intstr.IntOrString{Type:1, IntVal:0, StrVal:"25%"}``"""
    if isinstance(value, str):
        return GoLiteral(f"intstr.IntOrString{{Type:1, IntVal:0, StrVal:{_q(value)}}}")
    return GoLiteral(f"intstr.IntOrString{{Type:0, IntVal:{int(value or 0)}, StrVal:\"\"}}")


class Errors(list):
    """A field.ErrorList with the constructors of k8s.io/apimachinery/pkg/util/validation/field."""

    def required(self, path: str, detail: str = ""):
        self.append(FieldError("Required value", path, None, detail))

    def invalid(self, path: str, value: Any, detail: str):
        self.append(FieldError("Invalid value", path, value, detail))

    def unsupported(self, path: str, value: Any, supported: list):
        self.append(FieldError("Unsupported value", path, value,
                               "supported values: " + ", ".join(_q(s) for s in supported)))

    def forbidden(self, path: str, detail: str):
        self.append(FieldError("Forbidden", path, None, detail))

    def duplicate(self, path: str, value: Any):
        self.append(FieldError("Duplicate value", path, value))

    def not_found(self, path: str, value: Any):
        self.append(FieldError("Not found", path, value))

    def each(self, path: str, value: Any, messages: list):
        for msg in messages:
            self.invalid(path, value, msg)

    def nonnegative(self, path: str, value: Optional[int]):
        """ValidateNonnegativeField."""
        if value is not None and value < 0:
            self.invalid(path, value, "must be greater than or equal to 0")


# =========================================================================== names
DNS1123_LABEL_ERR = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
                     "and must start and end with an alphanumeric character")
DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
DNS1035_LABEL_ERR = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
                     "start with an alphabetic character, and end with an alphanumeric character")


def is_dns1123_label(value: str) -> list[str]:
    """IsDNS1123Label (namespace names, container names, port names)."""
    errs = [max_len_error(63)] if len(value) > 63 else []
    if not re.fullmatch(DNS1123_LABEL_FMT, value):
        if not is_dns1123_subdomain(value):
            errs.append("must not contain dots")
        else:
            errs.append(regex_error(DNS1123_LABEL_ERR, DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


def is_dns1035_label(value: str) -> list[str]:
    """IsDNS1035Label (Service names)."""
    errs = [max_len_error(63)] if len(value) > 63 else []
    if not re.fullmatch(DNS1035_LABEL_FMT, value):
        errs.append(regex_error(DNS1035_LABEL_ERR, DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


def is_path_segment_name(value: str) -> list[str]:
    """path.IsValidPathSegmentName (RBAC object names)."""
    if value in (".", ".."):
        return [f"may not be '{value}'"]
    return [f"may not contain '{c}'" for c in ("/", "%") if c in value]


def _mask_trailing_dash(name: str) -> str:
    return name[:-1] + "a" if len(name) > 1 and name.endswith("-") else name


def name_validator(rt):
    """The ValidateNameFunc each kind uses for metadata.name."""
    if rt.kind == "Namespace":
        return is_dns1123_label                               # ValidateNamespaceName
    if rt.kind == "Service":
        return is_dns1035_label                               # ValidateServiceName
    if rt.group == RBAC_GROUP:
        return is_path_segment_name                           # ValidateRBACName
    return is_dns1123_subdomain                               # NameIsDNSSubdomain


def validate_object_meta(meta: dict, rt, errs: Errors) -> None:
    """apimachinery ValidateObjectMetaAccessor."""
    name_fn = name_validator(rt)
    if meta.get("generateName"):
        errs.each("metadata.generateName", meta["generateName"], name_fn(_mask_trailing_dash(meta["generateName"])))
    if not meta.get("name"):
        errs.required("metadata.name", "name or generateName is required")
    else:
        errs.each("metadata.name", meta["name"], name_fn(meta["name"]))
    if rt.namespaced:
        if not meta.get("namespace"):
            errs.required("metadata.namespace")
        else:
            errs.each("metadata.namespace", meta["namespace"], is_dns1123_label(meta["namespace"]))
    elif meta.get("namespace"):
        errs.forbidden("metadata.namespace", "not allowed on this type")
    errs.nonnegative("metadata.generation", meta.get("generation"))
    errs.extend(validate_labels(meta.get("labels"), "metadata.labels"))
    validate_annotations(meta.get("annotations"), "metadata.annotations", errs)


def validate_annotations(annotations: Optional[dict], path: str, errs: Errors) -> None:
    """ValidateAnnotations: keys are qualified names, compared lower-cased."""
    for key in sorted(annotations or {}):
        errs.each(path, key, is_qualified_name(key.lower()))


def validate_object_meta_update(new: dict, old: dict, errs: Errors) -> None:
    """ValidateObjectMetaUpdate: identity fields never change."""
    for field in ("name", "namespace", "uid"):
        if field in new.get("metadata", {}) or field != "uid":
            new_val = new.get("metadata", {}).get(field)
            if new_val != old.get("metadata", {}).get(field):
                errs.invalid(f"metadata.{field}", new_val or "", "field is immutable")


# =========================================================================== pods
PORT_NAME_CHARSET = re.compile(r"^[-a-z0-9]+$")
SUPPORTED_PROTOCOLS = ["SCTP", "TCP", "UDP"]
STANDARD_CONTAINER_RESOURCES = {"cpu", "memory", "ephemeral-storage"}
CONTAINER_FIELDS_POD_UPDATE_MAY_CHANGE = (
    "`spec.containers[*].image`", "`spec.initContainers[*].image`", "`spec.activeDeadlineSeconds`",
    "`spec.tolerations` (only additions to existing tolerations)",
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
)


def is_valid_port_num(port) -> list[str]:
    """IsValidPortNum."""
    if isinstance(port, int) and 1 <= port <= 65535:
        return []
    return ["must be between 1 and 65535, inclusive"]


def is_valid_port_name(name: str) -> list[str]:
    """IsValidPortName (IANA_SVC_NAME)."""
    errs = [max_len_error(15)] if len(name) > 15 else []
    if not PORT_NAME_CHARSET.match(name):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search("[a-z]", name):
        errs.append("must contain at least one letter (a-z)")
    if "--" in name:
        errs.append("must not contain consecutive hyphens")
    if name and (name[0] == "-" or name[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def validate_port_num_or_name(value, path: str, errs: Errors) -> None:
    """ValidatePortNumOrName (targetPort, probe ports)."""
    if isinstance(value, str):
        errs.each(path, value, is_valid_port_name(value))
    else:
        errs.each(path, value, is_valid_port_num(value))


def _is_extended_resource(name: str) -> bool:
    """helper.IsExtendedResourceName: a domain-prefixed name outside kubernetes.io."""
    if "/" not in name or name.startswith("requests."):
        return False
    domain = name.split("/", 1)[0]
    return not (domain == "kubernetes.io" or domain.endswith(".kubernetes.io"))


def _overcommit_allowed(name: str) -> bool:
    """helper.IsOvercommitAllowed: not for hugepages or extended resources."""
    return not name.startswith("hugepages-") and not _is_extended_resource(name)


def validate_resources(res: Optional[dict], path: str, errs: Errors) -> None:
    """validateResourceRequirements: names, non-negative values, requests <= limits."""
    res = res or {}
    limits, requests = res.get("limits") or {}, res.get("requests") or {}

    def check_name(name: str, p: str):
        errs.each(p, name, is_qualified_name(name))
        if "/" not in name and name not in STANDARD_CONTAINER_RESOURCES and not name.startswith("hugepages-"):
            errs.invalid(p, name, "must be a standard resource for containers")

    def check_value(name: str, q, p: str):
        if q < 0:
            errs.invalid(p, str(q), "must be greater than or equal to 0")
        if _is_extended_resource(name) and q.milli_value() % 1000 != 0:
            errs.invalid(p, str(q), "must be an integer")

    parsed_limits = {}
    for name in sorted(limits):
        p = f"{path}.limits[{name}]"
        check_name(name, p)
        q = _quantity(limits[name])
        if q is not None:
            parsed_limits[name] = q
            check_value(name, q, p)
    for name in sorted(requests):
        p = f"{path}.requests[{name}]"
        check_name(name, p)
        q = _quantity(requests[name])
        if q is None:
            continue
        check_value(name, q, p)
        limit = parsed_limits.get(name)
        if limit is not None:
            if q != limit and not _overcommit_allowed(name):
                errs.invalid(f"{path}.requests", str(q), f"must be equal to {name} limit of {limit}")
            elif q > limit:
                errs.invalid(f"{path}.requests", str(q), f"must be less than or equal to {name} limit of {limit}")
        elif not _overcommit_allowed(name):
            errs.required(f"{path}.limits", "Limit must be set for non overcommitable resources")


def _quantity(value):
    try:
        return parse_quantity(value)
    except ValueError:
        return None


def validate_probe(probe: Optional[dict], path: str, errs: Errors, must_succeed_once: bool) -> None:
    """validateProbe / validateHandler: one handler, sane numbers."""
    if probe is None:
        return
    handlers = [h for h in ("exec", "httpGet", "tcpSocket", "grpc") if probe.get(h) is not None]
    if not handlers:
        errs.required(path, "must specify a handler type")
    elif len(handlers) > 1:
        errs.forbidden(f"{path}.{handlers[1]}", "may not specify more than 1 handler type")
    for h in ("httpGet", "tcpSocket"):
        if probe.get(h) is not None:
            validate_port_num_or_name(probe[h].get("port"), f"{path}.{h}.port", errs)
    for field in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"):
        errs.nonnegative(f"{path}.{field}", probe.get(field))
    if must_succeed_once and probe.get("successThreshold") not in (None, 1):
        errs.invalid(f"{path}.successThreshold", probe["successThreshold"], "must be 1")


def validate_container(c: dict, path: str, volumes: set, errs: Errors, init: bool = False) -> None:
    """validateContainerCommon plus the per-kind container rules."""
    if not c.get("name"):
        errs.required(f"{path}.name")
    else:
        errs.each(f"{path}.name", c["name"], is_dns1123_label(c["name"]))
    if not c.get("image"):
        errs.required(f"{path}.image")
    policy = c.get("terminationMessagePolicy", "")
    if policy == "":
        errs.required(f"{path}.terminationMessagePolicy", "must be 'File' or 'FallbackToLogsOnError'")
    elif policy not in ("File", "FallbackToLogsOnError"):
        errs.unsupported(f"{path}.terminationMessagePolicy", policy, ["File", "FallbackToLogsOnError"])
    # validateContainerPorts
    names: set = set()
    for i, port in enumerate(c.get("ports") or []):
        p = f"{path}.ports[{i}]"
        if port.get("name"):
            msgs = is_valid_port_name(port["name"])
            if msgs:
                errs.each(f"{p}.name", port["name"], msgs)
            elif port["name"] in names:
                errs.duplicate(f"{p}.name", port["name"])
            names.add(port["name"])
        if not port.get("containerPort"):
            errs.required(f"{p}.containerPort")
        else:
            errs.each(f"{p}.containerPort", port["containerPort"], is_valid_port_num(port["containerPort"]))
        if port.get("hostPort"):
            errs.each(f"{p}.hostPort", port["hostPort"], is_valid_port_num(port["hostPort"]))
        if not port.get("protocol"):
            errs.required(f"{p}.protocol")
        elif port["protocol"] not in SUPPORTED_PROTOCOLS:
            errs.unsupported(f"{p}.protocol", port["protocol"], SUPPORTED_PROTOCOLS)
    # ValidateEnv (RelaxedEnvironmentVariableValidation is on by default in v1.33)
    for i, env in enumerate(c.get("env") or []):
        name = env.get("name", "")
        if not name:
            errs.required(f"{path}.env[{i}].name")
        elif any(ord(ch) > 126 or ord(ch) < 32 or ch == "=" for ch in name):
            errs.invalid(f"{path}.env[{i}].name", name, "a valid environment variable name must consist "
                         "only of printable ASCII characters other than '='")
    # ValidateVolumeMounts
    for i, mount in enumerate(c.get("volumeMounts") or []):
        p = f"{path}.volumeMounts[{i}]"
        if not mount.get("name"):
            errs.required(f"{p}.name")
        elif mount["name"] not in volumes:
            errs.not_found(f"{p}.name", mount["name"])
        if not mount.get("mountPath"):
            errs.required(f"{p}.mountPath")
    # validatePullPolicy
    pull = c.get("imagePullPolicy", "")
    if pull == "":
        errs.required(f"{path}.imagePullPolicy")
    elif pull not in ("Always", "IfNotPresent", "Never"):
        errs.unsupported(f"{path}.imagePullPolicy", pull, ["Always", "IfNotPresent", "Never"])
    validate_resources(c.get("resources"), f"{path}.resources", errs)
    if not init:
        validate_probe(c.get("livenessProbe"), f"{path}.livenessProbe", errs, must_succeed_once=True)
        validate_probe(c.get("readinessProbe"), f"{path}.readinessProbe", errs, must_succeed_once=False)
        validate_probe(c.get("startupProbe"), f"{path}.startupProbe", errs, must_succeed_once=True)
        if c.get("restartPolicy") is not None:
            errs.forbidden(f"{path}.restartPolicy", "may not be set for non-init containers")


VOLUME_SOURCES = ("hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret",
                  "nfs", "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder",
                  "cephfs", "flocker", "downwardAPI", "fc", "azureFile", "configMap", "vsphereVolume",
                  "quobyte", "azureDisk", "photonPersistentDisk", "projected", "portworxVolume", "scaleIO",
                  "storageos", "csi", "ephemeral", "image")


def validate_pod_spec(spec: dict, path: str, errs: Errors) -> None:
    """ValidatePodSpec (pkg/apis/core/validation/validation.go), the rules the course meets."""
    if spec.get("terminationGracePeriodSeconds") is None:
        errs.required(f"{path}.terminationGracePeriodSeconds")
    # ValidateVolumes
    volumes: set = set()
    for i, vol in enumerate(spec.get("volumes") or []):
        p = f"{path}.volumes[{i}]"
        name = vol.get("name", "")
        if not name:
            errs.required(f"{p}.name")
        else:
            errs.each(f"{p}.name", name, is_dns1123_label(name))
            if name in volumes:
                errs.duplicate(f"{p}.name", name)
        volumes.add(name)
        sources = [s for s in VOLUME_SOURCES if vol.get(s) is not None]
        if not sources:
            errs.required(p, "must specify a volume type")
        elif len(sources) > 1:
            errs.forbidden(f"{p}.{sources[1]}", "may not specify more than 1 volume type")
    # validateContainers
    containers = spec.get("containers") or []
    if not containers:
        errs.required(f"{path}.containers")
    seen: set = set()
    for i, c in enumerate(containers):
        validate_container(c, f"{path}.containers[{i}]", volumes, errs)
        if c.get("name") in seen:
            errs.duplicate(f"{path}.containers[{i}].name", c.get("name"))
        seen.add(c.get("name"))
    # validateInitContainers: names are unique across both lists
    for i, c in enumerate(spec.get("initContainers") or []):
        p = f"{path}.initContainers[{i}]"
        if c.get("name") in seen:
            errs.duplicate(f"{p}.name", c.get("name"))
        seen.add(c.get("name"))
        validate_container(c, p, volumes, errs, init=True)
    restart = spec.get("restartPolicy", "")
    if restart == "":
        errs.required(f"{path}.restartPolicy")
    elif restart not in ("Always", "OnFailure", "Never"):
        errs.unsupported(f"{path}.restartPolicy", restart, ["Always", "OnFailure", "Never"])
    dns = spec.get("dnsPolicy", "")
    dns_policies = ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"]
    if dns == "":
        errs.required(f"{path}.dnsPolicy")
    elif dns not in dns_policies:
        errs.unsupported(f"{path}.dnsPolicy", dns, dns_policies)
    errs.extend(validate_labels(spec.get("nodeSelector"), f"{path}.nodeSelector"))
    for field in ("serviceAccountName", "nodeName", "priorityClassName"):
        if spec.get(field):
            errs.each(f"{path}.{field}", spec[field], is_dns1123_subdomain(spec[field]))
    ads = spec.get("activeDeadlineSeconds")
    if ads is not None and not 1 <= ads <= 2**31 - 1:
        errs.invalid(f"{path}.activeDeadlineSeconds", ads, f"must be between 1 and {2**31 - 1}, inclusive")
    for field in ("hostname", "subdomain"):
        if spec.get(field):
            errs.each(f"{path}.{field}", spec[field], is_dns1123_label(spec[field]))
    for i, tol in enumerate(spec.get("tolerations") or []):
        validate_toleration(tol, f"{path}.tolerations[{i}]", errs)


def validate_toleration(tol: dict, path: str, errs: Errors) -> None:
    """ValidateTolerations."""
    if tol.get("key"):
        errs.extend(validate_labels({tol["key"]: ""}, f"{path}.key"))
    elif tol.get("operator") != "Exists":
        errs.invalid(f"{path}.operator", tol.get("operator", ""),
                     "operator must be Exists when `key` is empty, which means \"match all values and all keys\"")
    if tol.get("tolerationSeconds") is not None and tol.get("effect") != "NoExecute":
        errs.invalid(f"{path}.effect", tol.get("effect", ""),
                     "effect must be 'NoExecute' when `tolerationSeconds` is set")
    op = tol.get("operator", "")
    if op in ("", "Equal"):
        errs.each(f"{path}.operator", tol.get("value", ""), is_valid_label_value(tol.get("value", "")))
    elif op == "Exists":
        if tol.get("value"):
            errs.invalid(f"{path}.operator", tol.get("value"), "value must be empty when `operator` is 'Exists'")
    else:
        errs.unsupported(f"{path}.operator", op, ["Equal", "Exists"])
    if tol.get("effect"):
        effects = ["NoSchedule", "PreferNoSchedule", "NoExecute"]
        if tol["effect"] not in effects:
            errs.unsupported(f"{path}.effect", tol["effect"], effects)


def validate_pod_template(template: dict, path: str, errs: Errors) -> None:
    """ValidatePodTemplateSpec: note labels are reported at ``<path>.labels``."""
    meta = template.get("metadata") or {}
    errs.extend(validate_labels(meta.get("labels"), f"{path}.labels"))
    validate_annotations(meta.get("annotations"), f"{path}.annotations", errs)
    validate_pod_spec(template.get("spec") or {}, f"{path}.spec", errs)
    if (template.get("spec") or {}).get("ephemeralContainers"):
        errs.forbidden(f"{path}.spec.ephemeralContainers", "ephemeral containers not allowed in pod template")


def validate_pod(pod: dict, errs: Errors) -> None:
    """ValidatePodCreate."""
    spec = pod.get("spec") or {}
    validate_pod_spec(spec, "spec", errs)
    for field in ("containers", "initContainers"):        # validateContainersOnlyForPod
        for i, c in enumerate(spec.get(field) or []):
            image = c.get("image") or ""
            if image != image.strip():
                errs.invalid(f"spec.{field}[{i}].image", image, "must not have leading or trailing whitespace")


def validate_pod_update(new: dict, old: dict, errs: Errors) -> None:
    """ValidatePodUpdate: only images, activeDeadlineSeconds and tolerations may change."""
    new_spec, old_spec = json.loads(json.dumps(new.get("spec") or {})), old.get("spec") or {}
    for field in ("containers", "initContainers"):
        olds = old_spec.get(field) or []
        for i, c in enumerate(new_spec.get(field) or []):
            if i < len(olds) and "image" in olds[i]:
                c["image"] = olds[i]["image"]
    for field in ("activeDeadlineSeconds", "tolerations", "schedulingGates"):
        new_spec.pop(field, None)
        if field in old_spec:
            new_spec[field] = old_spec[field]
    if new_spec != old_spec:
        diff = "\n".join(_spec_diff(old_spec, new_spec, ""))
        errs.forbidden("spec", "pod updates may not change fields other than "
                       + ",".join(CONTAINER_FIELDS_POD_UPDATE_MAY_CHANGE)
                       + "\n  core.PodSpec{\n" + diff + "\n  }\n")


def _spec_diff(old: Any, new: Any, path: str) -> list[str]:
    """A compact, cmp.Diff-like listing of what changed (kubesim's simplification)."""
    if isinstance(old, dict) and isinstance(new, dict):
        lines = []
        for key in sorted(set(old) | set(new)):
            lines += _spec_diff(old.get(key), new.get(key), f"{path}.{key}" if path else key)
        return lines
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        lines = []
        for i, (a, b) in enumerate(zip(old, new)):
            lines += _spec_diff(a, b, f"{path}[{i}]")
        return lines
    if old == new:
        return []
    lines = []
    if old is not None:
        lines.append(f"- \t{path}: {json.dumps(old)},")
    if new is not None:
        lines.append(f"+ \t{path}: {json.dumps(new)},")
    return lines


# =========================================================================== apps/v1
def _int_or_percent_value(v) -> int:
    """getIntOrPercentValue."""
    if isinstance(v, str):
        m = re.fullmatch(r"([0-9]+)%", v)
        if m:
            return int(m.group(1))
        return int(v) if re.fullmatch(r"[+-]?[0-9]+", v) else 0
    return int(v or 0)


def validate_positive_int_or_percent(v, path: str, errs: Errors) -> None:
    """ValidatePositiveIntOrPercent."""
    if isinstance(v, str):
        if not re.fullmatch(r"[0-9]+%", v):
            errs.invalid(path, go_int_or_string(v),
                         regex_error("a valid percent string must be a numeric string followed by an ending '%'",
                                     "[0-9]+%", "1%", "93%"))
    elif v is not None:
        errs.nonnegative(path, v)


def validate_replicated_spec(spec: dict, errs: Errors, kind: str) -> None:
    """The shared part of ValidateDeploymentSpec and ValidateReplicaSetSpec."""
    errs.nonnegative("spec.replicas", spec.get("replicas", 0))
    if kind == "ReplicaSet":
        errs.nonnegative("spec.minReadySeconds", spec.get("minReadySeconds", 0))
    sel = spec.get("selector")
    if sel is None:
        errs.required("spec.selector")
    else:
        errs.extend(validate_label_selector(sel, "spec.selector"))
        if not sel.get("matchLabels") and not sel.get("matchExpressions"):
            errs.invalid("spec.selector", go_label_selector(sel), "empty selector is invalid for deployment")
    try:
        selector = label_selector_as_selector(sel)
    except ValueError:
        errs.invalid("spec.selector", go_label_selector(sel), "invalid label selector")
        return
    # ValidatePodTemplateSpecForReplicaSet
    template = spec.get("template") or {}
    labels = (template.get("metadata") or {}).get("labels")
    if not selector.empty() and not selector.matches(labels or {}):
        errs.invalid("spec.template.metadata.labels", GoLiteral(_go_map(labels)),
                     "`selector` does not match template `labels`")
    validate_pod_template(template, "spec.template", errs)
    restart = (template.get("spec") or {}).get("restartPolicy")
    if restart != "Always":
        errs.unsupported("spec.template.spec.restartPolicy", restart or "", ["Always"])
    if (template.get("spec") or {}).get("activeDeadlineSeconds") is not None:
        errs.forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in ReplicaSet is not Supported")


def validate_deployment_spec(spec: dict, errs: Errors) -> None:
    """ValidateDeploymentSpec (pkg/apis/apps/validation/validation.go)."""
    validate_replicated_spec(spec, errs, "Deployment")
    strategy = spec.get("strategy") or {}
    stype = strategy.get("type", "")
    if stype == "Recreate":
        if strategy.get("rollingUpdate") is not None:
            errs.forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'")
    elif stype == "RollingUpdate":
        ru = strategy.get("rollingUpdate")
        if ru is None:
            errs.required("spec.strategy.rollingUpdate", "this should be defaulted and never be nil")
        else:                           # ValidateRollingUpdateDeployment
            p = "spec.strategy.rollingUpdate"
            validate_positive_int_or_percent(ru.get("maxUnavailable"), f"{p}.maxUnavailable", errs)
            validate_positive_int_or_percent(ru.get("maxSurge"), f"{p}.maxSurge", errs)
            if _int_or_percent_value(ru.get("maxUnavailable")) == 0 and _int_or_percent_value(ru.get("maxSurge")) == 0:
                errs.invalid(f"{p}.maxUnavailable", go_int_or_string(ru.get("maxUnavailable")),
                             "may not be 0 when `maxSurge` is 0")
            mu = ru.get("maxUnavailable")
            if isinstance(mu, str) and re.fullmatch(r"[0-9]+%", mu) and int(mu[:-1]) > 100:
                errs.invalid(f"{p}.maxUnavailable", go_int_or_string(mu), "must not be greater than 100%")
    else:
        rolling = "(*apps.RollingUpdateDeployment)(nil)" if strategy.get("rollingUpdate") is None \
            else "&apps.RollingUpdateDeployment{...}"
        errs.unsupported("spec.strategy", GoLiteral(f"apps.DeploymentStrategy{{Type:{_q(stype)}, RollingUpdate:{rolling}}}"),
                         ["Recreate", "RollingUpdate"])
    min_ready = spec.get("minReadySeconds", 0)
    errs.nonnegative("spec.minReadySeconds", min_ready)
    errs.nonnegative("spec.revisionHistoryLimit", spec.get("revisionHistoryLimit"))
    pds = spec.get("progressDeadlineSeconds")
    if pds is not None:
        errs.nonnegative("spec.progressDeadlineSeconds", pds)
        if pds <= min_ready:
            errs.invalid("spec.progressDeadlineSeconds", pds, "must be greater than minReadySeconds")


# =========================================================================== core/v1 others
SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
NODE_PORT_RANGE = (30000, 32767)   # kube-apiserver --service-node-port-range default


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        return False


def validate_service(svc: dict, errs: Errors) -> None:
    """ValidateService (and the node-port allocator's range check)."""
    spec = svc.get("spec") or {}
    stype = spec.get("type", "")
    headless = spec.get("clusterIP") == "None"
    ports = spec.get("ports") or []
    if not ports and not headless and stype != "ExternalName":
        errs.required("spec.ports")
    if stype == "ExternalName":
        if not spec.get("externalName"):
            errs.required("spec.externalName")
        else:
            errs.each("spec.externalName", spec["externalName"], is_dns1123_subdomain(spec["externalName"].rstrip(".")))
    names: set = set()
    for i, port in enumerate(ports):               # validateServicePort
        p = f"spec.ports[{i}]"
        if len(ports) > 1 and not port.get("name"):
            errs.required(f"{p}.name")
        elif port.get("name"):
            errs.each(f"{p}.name", port["name"], is_dns1123_label(port["name"]))
            if port["name"] in names:
                errs.duplicate(f"{p}.name", port["name"])
            names.add(port["name"])
        errs.each(f"{p}.port", port.get("port", 0), is_valid_port_num(port.get("port", 0)))
        if not port.get("protocol"):
            errs.required(f"{p}.protocol")
        elif port["protocol"] not in SUPPORTED_PROTOCOLS:
            errs.unsupported(f"{p}.protocol", port["protocol"], SUPPORTED_PROTOCOLS)
        validate_port_num_or_name(port.get("targetPort", 0), f"{p}.targetPort", errs)
    if spec.get("selector") is not None:
        errs.extend(validate_labels(spec["selector"], "spec.selector"))
    affinity = spec.get("sessionAffinity", "")
    if affinity == "":
        errs.required("spec.sessionAffinity")
    elif affinity not in ("ClientIP", "None"):
        errs.unsupported("spec.sessionAffinity", affinity, ["ClientIP", "None"])
    cluster_ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    for i, ip in enumerate(cluster_ips):
        if ip != "None" and not _is_ip(ip):
            errs.invalid(f"spec.clusterIPs[{i}]", ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")
    if stype == "":
        errs.required("spec.type")
    elif stype not in SERVICE_TYPES:
        errs.unsupported("spec.type", stype, SERVICE_TYPES)
    for i, port in enumerate(ports):
        node_port = port.get("nodePort")
        if not node_port:
            continue
        if stype == "ClusterIP":
            errs.forbidden(f"spec.ports[{i}].nodePort", "may not be used when `type` is 'ClusterIP'")
        elif not NODE_PORT_RANGE[0] <= node_port <= NODE_PORT_RANGE[1]:
            errs.invalid(f"spec.ports[{i}].nodePort", node_port,
                         "provided port is not in the valid range. The range of valid ports is %d-%d" % NODE_PORT_RANGE)
    seen = set()
    for i, port in enumerate(ports):
        key = (port.get("protocol", ""), port.get("port", 0))
        if key in seen:
            errs.duplicate(f"spec.ports[{i}]", GoLiteral(
                f'core.ServicePort{{Name:"", Protocol:{_q(key[0])}, AppProtocol:(*string)(nil), Port:{key[1]}, '
                'TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}'))
        seen.add(key)


def validate_service_update(new: dict, old: dict, errs: Errors) -> None:
    """validateUpgradeDowngradeClusterIPs: an allocated cluster IP never changes."""
    new_spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    if "ExternalName" in (new_spec.get("type"), old_spec.get("type")):
        return
    new_ips = new_spec.get("clusterIPs") or ([new_spec["clusterIP"]] if new_spec.get("clusterIP") else [])
    old_ips = old_spec.get("clusterIPs") or ([old_spec["clusterIP"]] if old_spec.get("clusterIP") else [])
    if not new_ips or not old_ips:   # an omitted clusterIP keeps the allocated one
        return
    for i, ip in enumerate(old_ips[:len(new_ips)]):
        if ip != new_ips[i]:
            errs.invalid(f"spec.clusterIPs[{i}]", list(new_ips), "may not change once set")


CONFIG_KEY_FMT = "[-._a-zA-Z0-9]+"


def validate_config_keys(data: Optional[dict], path: str, errs: Errors) -> None:
    """IsConfigMapKey for ConfigMap/Secret data keys."""
    for key in sorted(data or {}):
        msgs = [] if re.fullmatch(CONFIG_KEY_FMT, key) else [regex_error(
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
            CONFIG_KEY_FMT, "key.name", "KEY_NAME", "key-name")]
        if len(key) > 253:
            msgs.insert(0, max_len_error(253))
        if key in (".", ".."):
            msgs.append(f"must not be '{key}'")
        elif key.startswith(".."):
            msgs.append("must not start with '..'")
        errs.each(f"{path}[{key}]", key, msgs)


# =========================================================================== rbac/v1
def validate_policy_rules(rules, namespaced: bool, errs: Errors) -> None:
    """ValidatePolicyRule."""
    for i, rule in enumerate(rules or []):
        p = f"rules[{i}]"
        if not rule.get("verbs"):
            errs.required(f"{p}.verbs", "verbs must contain at least one value")
        if rule.get("nonResourceURLs"):
            if namespaced:
                errs.invalid(f"{p}.nonResourceURLs", rule["nonResourceURLs"],
                             "namespaced rules cannot apply to non-resource URLs")
            if rule.get("apiGroups") or rule.get("resources") or rule.get("resourceNames"):
                errs.invalid(f"{p}.nonResourceURLs", rule["nonResourceURLs"],
                             "rules cannot apply to both regular resources and non-resource URLs")
            continue
        if not rule.get("apiGroups"):
            errs.required(f"{p}.apiGroups", "resource rules must supply at least one api group")
        if not rule.get("resources"):
            errs.required(f"{p}.resources", "resource rules must supply at least one resource")


def validate_binding(obj: dict, namespaced: bool, errs: Errors) -> None:
    """ValidateRoleBinding / ValidateClusterRoleBinding."""
    ref = obj.get("roleRef") or {}
    if ref.get("apiGroup", "") != RBAC_GROUP:
        errs.unsupported("roleRef.apiGroup", ref.get("apiGroup", ""), [RBAC_GROUP])
    kinds = ["Role", "ClusterRole"] if namespaced else ["ClusterRole"]
    if ref.get("kind", "") not in kinds:
        errs.unsupported("roleRef.kind", ref.get("kind", ""), kinds)
    if not ref.get("name"):
        errs.required("roleRef.name")
    else:
        errs.each("roleRef.name", ref["name"], is_path_segment_name(ref["name"]))
    for i, subject in enumerate(obj.get("subjects") or []):     # ValidateRoleBindingSubject
        p = f"subjects[{i}]"
        name, kind, group = subject.get("name", ""), subject.get("kind", ""), subject.get("apiGroup", "")
        if not name:
            errs.required(f"{p}.name")
        if kind == "ServiceAccount":
            if name:
                errs.each(f"{p}.name", name, is_dns1123_subdomain(name))
            if group:
                errs.unsupported(f"{p}.apiGroup", group, [""])
            if not namespaced and not subject.get("namespace"):
                errs.required(f"{p}.namespace")
        elif kind in ("User", "Group"):
            if group != RBAC_GROUP:
                errs.unsupported(f"{p}.apiGroup", group, [RBAC_GROUP])
        else:
            errs.unsupported(f"{p}.kind", kind, ["ServiceAccount", "User", "Group"])


def _go_role_ref(ref: dict) -> GoLiteral:
    return GoLiteral(f'rbac.RoleRef{{APIGroup:{_q(ref.get("apiGroup"))}, Kind:{_q(ref.get("kind"))}, '
                     f'Name:{_q(ref.get("name"))}}}')


# =========================================================================== entry point
def validate(obj: dict, rt, old: Optional[dict] = None) -> list[FieldError]:
    """The API server's validation of a decoded, defaulted object (``old`` on update).

    Returns the field errors in the order Kubernetes reports them; an empty list means
    the object may be stored.  The caller wraps them in an InvalidError.
    """
    errs = Errors()
    kind, spec = rt.kind, obj.get("spec") or {}
    old_spec = (old or {}).get("spec") or {}
    if old is not None and kind not in ("RoleBinding", "ClusterRoleBinding"):
        validate_object_meta_update(obj, old, errs)
    validate_object_meta(obj.get("metadata") or {}, rt, errs)
    if kind == "Pod":
        validate_pod(obj, errs)
        if old is not None:
            validate_pod_update(obj, old, errs)
    elif kind in ("Deployment", "ReplicaSet"):
        if kind == "Deployment":
            validate_deployment_spec(spec, errs)
        else:
            validate_replicated_spec(spec, errs, kind)
        # registry/apps/{deployment,replicaset}/strategy.go ValidateUpdate: apps/v1 selectors are immutable
        if old is not None and spec.get("selector") != old_spec.get("selector"):
            errs.invalid("spec.selector", go_label_selector(spec.get("selector") or {}), "field is immutable")
    elif kind == "Service":
        validate_service(obj, errs)
        if old is not None:
            validate_service_update(obj, old, errs)
    elif kind in ("ConfigMap", "Secret"):
        validate_config_keys(obj.get("data"), "data", errs)
        if kind == "ConfigMap":
            validate_config_keys(obj.get("binaryData"), "binaryData", errs)
    elif kind in ("Role", "ClusterRole"):
        validate_policy_rules(obj.get("rules"), kind == "Role", errs)
    elif kind in ("RoleBinding", "ClusterRoleBinding"):
        validate_binding(obj, kind == "RoleBinding", errs)
        if old is not None:      # ValidateRoleBindingUpdate
            validate_object_meta_update(obj, old, errs)
            if (obj.get("roleRef") or {}) != (old.get("roleRef") or {}):
                errs.invalid("roleRef", _go_role_ref(obj.get("roleRef") or {}), "cannot change roleRef")
    return list(errs)
