"""``kubectl apply -f``: client-side apply, as kubectl (without --server-side) does it.

For each document: GET the live object; if absent, create it with the manifest saved in
the ``kubectl.kubernetes.io/last-applied-configuration`` annotation; if present, compute
a three-way merge of (last applied, live, new manifest) — fields you removed from the
manifest are removed, fields the cluster added (defaults, status) stay — and update.

Like kubectl, every valid document is applied even if another one fails; the errors
come after the success lines.  A document that is rejected changes nothing.
"""
from __future__ import annotations

import json
from typing import Any, Optional

from ..api import manifests
from ..api.resources import ResourceType
from ..errors import (InvalidError, KubesimError, ParseError, StatusError, UsageError)
from ..util import deep_copy

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

# Strategic-merge-patch keys of the list fields the course uses (k8s.io/api types'
# patchMergeKey tags): lists of these merge item by item instead of being replaced.
MERGE_KEYS = {"containers": "name", "initContainers": "name", "ephemeralContainers": "name",
              "env": "name", "volumes": "name", "volumeMounts": "mountPath",
              "imagePullSecrets": "name", "ports": None}


class ApplyError(KubesimError):
    """Some documents failed; ``str()`` is kubectl's whole output, ``results`` the lines."""

    def __init__(self, lines: list[str], errors: list[KubesimError]):
        self.results = lines
        self.errors = errors
        super().__init__("\n".join(lines + [str(e) for e in errors]))


def display_name(rt: ResourceType, name: str) -> str:
    """``deployment.apps/web-app`` / ``namespace/finance-prod``: how kubectl names objects."""
    return f"{rt.singular}.{rt.group}/{name}" if rt.group else f"{rt.singular}/{name}"


def _merge_key(field: str, items: list) -> Optional[str]:
    key = MERGE_KEYS.get(field, "")
    if key is None:   # "ports": containerPort in containers, port in Services
        sample = next((i for i in items if isinstance(i, dict)), {})
        key = "containerPort" if "containerPort" in sample else "port"
    return key or None


def three_way_merge(live: Any, last: Any, new: Any, field: str = "") -> Any:
    """Merge ``new`` into ``live``, deleting what ``last`` had and ``new`` dropped."""
    if isinstance(new, dict) and isinstance(live, dict):
        result = deep_copy(live)
        last = last if isinstance(last, dict) else {}
        for key in last:
            if key not in new:
                result.pop(key, None)
        for key, value in new.items():
            result[key] = three_way_merge(live.get(key), last.get(key), value, key)
        return result
    if isinstance(new, list) and isinstance(live, list) and field in MERGE_KEYS:
        key = _merge_key(field, new + live)
        if key and all(isinstance(i, dict) and key in i for i in new + live):
            live_by = {i[key]: i for i in live}
            last_by = {i[key]: i for i in (last or []) if isinstance(i, dict) and key in i}
            new_keys = [i[key] for i in new]
            merged = [three_way_merge(live_by.get(i[key]), last_by.get(i[key]), i, "")
                      if i[key] in live_by else deep_copy(i) for i in new]
            kept = [deep_copy(i) for i in live
                    if i[key] not in new_keys and i[key] not in last_by]
            return merged + kept
    return deep_copy(new)


def _load(manifest) -> tuple[list, Optional[KubesimError]]:
    """All readable documents, and the error that stopped reading (if any)."""
    docs: list = []
    try:
        for doc in manifests.iter_load(manifest):
            docs.append(doc)
    except ParseError as err:
        return docs, err
    return docs, None


def apply_documents(cluster, manifest, *, user: str = "admin", groups: tuple = (),
                    namespace: Optional[str] = None, **credentials) -> list[str]:
    """Apply every document of ``manifest``; returns the output lines or raises ApplyError.

    ``credentials`` (``token``, ``as_user``, ``as_groups``) go to :meth:`Cluster.client`.
    """
    docs, load_error = _load(manifest)
    lines: list[str] = []
    errors: list[KubesimError] = [load_error] if load_error else []
    if not docs and not errors:
        raise UsageError("error: no objects passed to apply")
    client = cluster.client(user, groups, **credentials)
    for doc in docs:
        try:
            rt = manifests.resolve(doc)
            lines.append(_apply_one(cluster, client, rt, doc, namespace))
        except KubesimError as err:
            errors.append(_with_source(err, doc, "creating"))
    if errors:
        raise ApplyError(lines, errors)
    return lines


def _with_source(err: KubesimError, doc, action: str) -> KubesimError:
    """Name the file the way kubectl does for server errors other than Invalid."""
    if isinstance(err, StatusError) and not isinstance(err, InvalidError) and err.code >= 400:
        if err.code in (401,):
            return err
        if getattr(err, "sourced", False):      # already names its source: do not wrap twice
            return err
        wrapped = StatusError(f'Error from server ({err.reason}): error when {action} '
                              f'"{doc.source}": {err.status_message}',
                              code=err.code, reason=err.reason, status_message=err.status_message)
        wrapped.sourced = True
        return wrapped
    return err


def _apply_one(cluster, client, rt: ResourceType, doc, namespace: Optional[str]) -> str:
    obj = deep_copy(doc.obj)
    meta = obj.setdefault("metadata", {})
    name = meta.get("name", "")
    if rt.namespaced:
        ns = meta.get("namespace") or namespace or "default"
        if namespace and meta.get("namespace") and meta["namespace"] != namespace:
            raise UsageError(f'error: the namespace from the provided object "{meta["namespace"]}" '
                             f'does not match the namespace "{namespace}". You must pass '
                             f"'--namespace={meta['namespace']}' to perform this operation.")
        meta["namespace"] = ns
    else:
        ns = None
        meta.pop("namespace", None)
    if not name:
        raise UsageError("error: resource name may not be empty")
    applied = deep_copy(obj)
    applied["metadata"].setdefault("annotations", {}).pop(LAST_APPLIED, None)
    if not applied["metadata"]["annotations"]:
        del applied["metadata"]["annotations"]
    last_text = json.dumps(applied, sort_keys=True, separators=(",", ":")) + "\n"
    try:
        live = cluster.call(client.get(rt.plural, name, namespace=ns))
    except StatusError as err:
        if err.reason != "NotFound":
            # apply.go: AddSourceToErr("retrieving current configuration of:\n<info>\nfrom
            # server for:", …) — e.g. when the user may not even read the object.
            if err.code < 400 or err.code == 401:
                raise
            gvr = f"{rt.group}/{rt.version}, Resource={rt.plural}"
            gvk = f"{rt.group}/{rt.version}, Kind={rt.kind}"
            info = f'Resource: "{gvr}", GroupVersionKind: "{gvk}"\nName: "{name}", Namespace: "{ns or ""}"'
            raise _with_source(err, doc, f"retrieving current configuration of:\n{info}\nfrom "
                                         "server for:") from None
        live = None
    if live is None:
        obj["metadata"].setdefault("annotations", {})[LAST_APPLIED] = last_text
        cluster.call(client.create(rt.plural, obj, namespace=ns))
        return f"{display_name(rt, name)} created"
    last = json.loads(live["metadata"].get("annotations", {}).get(LAST_APPLIED, "{}") or "{}")
    merged = three_way_merge(live, last, obj)
    merged["metadata"].setdefault("annotations", {})[LAST_APPLIED] = last_text
    merged["metadata"]["resourceVersion"] = live["metadata"]["resourceVersion"]
    if merged == live:
        return f"{display_name(rt, name)} unchanged"
    try:
        cluster.call(client.update(rt.plural, merged))
    except StatusError as err:
        raise _with_source(err, _Doc(doc.source), "applying patch to") from None
    return f"{display_name(rt, name)} configured"


class _Doc:
    def __init__(self, source: str):
        self.source = source
