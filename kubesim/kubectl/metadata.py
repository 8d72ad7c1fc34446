"""``kubectl label`` and ``kubectl annotate``: change an object's labels or annotations.

Both send a JSON merge patch of ``metadata.labels`` / ``metadata.annotations`` (``null``
removes a key), as kubectl does, and print kubectl's lines
(k8s.io/kubectl/pkg/cmd/label/label.go, .../annotate/annotate.go):

    kubectl label pod web-1 team=web            ->  pod/web-1 labeled
    kubectl label pod web-1 team-               ->  pod/web-1 unlabeled
    kubectl annotate pod web-1 controller.kubernetes.io/pod-deletion-cost=-100
                                                ->  pod/web-1 annotated

Without ``--overwrite`` a key that already has a different value is refused.
"""
from __future__ import annotations

from ..api.selectors import is_valid_label_value
from ..errors import StatusError, UsageError
from .apply import display_name

RESOURCES_HINT = ("error: one or more resources must be specified as <resource> <name> or "
                  "<resource>/<name>")


def split_resources_and_pairs(words: list, command: str) -> tuple[list, list]:
    """cmdutil.GetResourcesAndPairs: ``key=value`` and ``key-`` words come after the resources."""
    resources, pairs = [], []
    for word in words:
        is_pair = "=" in word or word.endswith("-")
        if is_pair:
            pairs.append(word)
        elif pairs:
            raise UsageError(f"error: all resources must be specified before {command} "
                             f"changes: {word}")
        else:
            resources.append(word)
    return resources, pairs


def parse_label_changes(pairs: list) -> tuple[dict, list]:
    """label.go parseLabels: ``key=value`` (one ``=``, a valid label value) or ``key-``."""
    def pair(spec: str) -> tuple[str, str]:
        parts = spec.split("=")
        if len(parts) != 2:
            raise UsageError(f"error: invalid label spec: {spec}")
        errs = is_valid_label_value(parts[1])
        if errs:
            raise UsageError(f'error: invalid label value: "{spec}": {";".join(errs)}')
        return parts[0], parts[1]
    return _parse_changes(pairs, pair, "a label")


def parse_annotation_changes(pairs: list) -> tuple[dict, list]:
    """annotate.go parseAnnotations: ``key=value`` (the value may hold ``=``) or ``key-``."""
    def pair(spec: str) -> tuple[str, str]:
        key, _, value = spec.partition("=")
        if not key:
            raise UsageError(f"error: invalid annotation format: {spec}")
        return key, value
    return _parse_changes(pairs, pair, "an annotation")


def _parse_changes(pairs: list, pair, noun: str) -> tuple[dict, list]:
    """Split :func:`split_resources_and_pairs`' pairs into new values and keys to remove."""
    new, remove = {}, []
    for spec in pairs:
        if "=" in spec:
            key, value = pair(spec)
            new[key] = value
        else:                                   # "key-"
            remove.append(spec[:-1])
    if any(key in new for key in remove):
        raise UsageError(f"error: can not both modify and remove {noun} in the same command")
    return new, remove


def label(ctx, words: list) -> str:
    """``kubectl label [--overwrite] TYPE NAME KEY=VAL ... KEY-``."""
    return _change_metadata(ctx, words, "labels")


def annotate(ctx, words: list) -> str:
    """``kubectl annotate [--overwrite] TYPE NAME KEY=VAL ... KEY-``."""
    return _change_metadata(ctx, words, "annotations")


def _change_metadata(ctx, words: list, field: str) -> str:
    from .commands import _targets      # commands imports this module lazily
    noun = "label" if field == "labels" else "annotation"
    resources, pairs = split_resources_and_pairs(words, noun)
    if not pairs:
        raise UsageError(f"error: at least one {noun} update is required")
    if not resources:
        raise UsageError(RESOURCES_HINT)
    if field == "labels":
        new, remove = parse_label_changes(pairs)
    else:
        new, remove = parse_annotation_changes(pairs)
    flags = ctx.args.flags
    lines = []
    for rt, names in _targets(resources):
        ns = ctx.namespace if rt.namespaced else None
        if not names:
            if not (flags.get("all") or flags.get("selector")):
                raise UsageError(RESOURCES_HINT)
            listing = ctx.call(ctx.client.list(rt.plural, namespace=ns,
                                               label_selector=flags.get("selector")))
            names = [o["metadata"]["name"] for o in listing["items"]]
        for name in names:
            try:
                obj = ctx.call(ctx.client.get(rt.plural, name, namespace=ns))
            except StatusError as err:
                lines.append(str(err))
                continue
            current = obj["metadata"].get(field) or {}
            lines.extend(_not_found_lines(current, remove, noun, field))
            if not flags.get("overwrite"):
                _refuse_overwrites(current, new, field)
            patch = {**new, **{key: None for key in remove if key in current}}
            if patch:
                ctx.call(ctx.client.patch(rt.plural, name, {"metadata": {field: patch}},
                                          namespace=ns))
            after = {k: v for k, v in {**current, **new}.items() if k not in remove}
            lines.append(f"{display_name(rt, name)} {_change_message(current, after, field)}")
    return "\n".join(lines)


def _not_found_lines(current: dict, remove: list, noun: str, field: str) -> list[str]:
    # label.go prints this for each missing key; annotate.go removes silently.
    if field != "labels":
        return []
    return [f'{noun} "{key}" not found.' for key in remove if key not in current]


def _refuse_overwrites(current: dict, new: dict, field: str) -> None:
    clashes = [(k, current[k]) for k, v in new.items() if k in current and current[k] != v]
    if not clashes:
        return
    if field == "labels":
        # utilerrors.NewAggregate: one error prints alone, several as a bracketed list
        msgs = [f"'{k}' already has a value ({v}), and --overwrite is false" for k, v in clashes]
        raise UsageError("error: " + (msgs[0] if len(msgs) == 1 else "[" + ", ".join(msgs) + "]"))
    raise UsageError("error: --overwrite is false but found the following declared "
                     "annotation(s): " + "; ".join(f"'{k}' already has a value ({v})"
                                                  for k, v in clashes))


def _change_message(before: dict, after: dict, field: str) -> str:
    """label.go updateDataChangeMsg; annotate always says "annotated"."""
    if field != "labels":
        return "annotated"
    changed = any(k in after and after[k] != v for k, v in before.items()) or \
        any(k not in before for k in after)
    removed = any(k not in after for k in before)
    if changed and removed:
        return "label(s) changed"
    if changed:
        return "labeled"
    if removed:
        return "unlabeled"
    return "not labeled"
