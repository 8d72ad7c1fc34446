"""``Cluster.kubectl("get pods -o wide")``: parse a kubectl command line and run it.

Each command talks to the API server exactly as kubectl does (GET/LIST/POST/PATCH/DELETE
over the simulated network, as the given user), then prints with
:mod:`kubesim.kubectl.printers` / :mod:`kubesim.kubectl.describe`.  Errors are returned
as the text kubectl prints, never raised.
"""
from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Optional

from ..api.resources import RESOURCE_TYPES, ResourceType, lookup
from ..errors import KubesimError, StatusError, UsageError
from . import auth
from . import describe as describe_mod
from . import printers
from .apply import apply_documents, display_name

#: Flags that take a value, with their long names.
VALUE_FLAGS = {"-n": "namespace", "--namespace": "namespace", "-l": "selector",
               "--selector": "selector", "-o": "output", "--output": "output",
               "-f": "filename", "--filename": "filename", "--replicas": "replicas",
               "--as": "as", "--as-group": "as_group", "--grace-period": "grace_period",
               "--cascade": "cascade", "--field-selector": "field_selector",
               "--timeout": "timeout", "--to-revision": "to_revision", "--revision": "revision",
               # identity and RBAC (kubesim/kubectl/auth.py)
               "--token": "token", "--subresource": "subresource", "--raw": "raw",
               "--verb": "verb", "--resource": "resource", "--resource-name": "resource_name",
               "--role": "role", "--clusterrole": "clusterrole", "--user": "user",
               "--group": "group", "--serviceaccount": "serviceaccount", "--duration": "duration",
               "-L": "label_columns", "--label-columns": "label_columns"}
#: Flags that may be repeated; their values are collected in a list.
MULTI_FLAGS = {"as_group", "verb", "resource", "resource_name", "user", "group", "serviceaccount",
               "label_columns"}
BOOL_FLAGS = {"-A": "all_namespaces", "--all-namespaces": "all_namespaces",
              "--show-labels": "show_labels", "--no-headers": "no_headers", "--all": "all",
              "--force": "force", "--now": "now", "--wait": "wait",
              "-w": "watch", "--watch": "watch", "--list": "list", "-q": "quiet",
              "--quiet": "quiet", "--overwrite": "overwrite"}

GET_ALL = ("pods", "services", "deployments", "replicasets")
DELETE_WAIT = 120.0   # simulated seconds kubectl delete waits for the object to go


@dataclass
class Args:
    words: list = field(default_factory=list)
    flags: dict = field(default_factory=dict)


def parse(command: str) -> Args:
    """Split a kubectl command line into words and flags (``--flag=value`` or ``--flag value``)."""
    try:
        tokens = shlex.split(command)
    except ValueError as err:
        raise UsageError(f"error: {err}") from None
    if tokens and tokens[0] == "kubectl":
        tokens = tokens[1:]
    args = Args()
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        name, eq, value = tok.partition("=")
        if tok.startswith("-") and name in VALUE_FLAGS:
            if not eq:
                if i + 1 >= len(tokens):
                    raise UsageError(f"error: flag needs an argument: {name}")
                i += 1
                value = tokens[i]
            key = VALUE_FLAGS[name]
            if key in MULTI_FLAGS:
                args.flags.setdefault(key, []).append(value)
            else:
                args.flags[key] = value
        elif tok.startswith("-") and name in BOOL_FLAGS:
            args.flags[BOOL_FLAGS[name]] = value.lower() != "false" if eq else True
        elif tok.startswith("-") and len(tok) > 1 and tok[1:].isalpha() and not tok.startswith("--") \
                and all(f"-{ch}" in BOOL_FLAGS for ch in tok[1:]):
            for ch in tok[1:]:
                args.flags[BOOL_FLAGS[f"-{ch}"]] = True
        elif tok.startswith("-") and tok != "-":
            raise UsageError(f"error: unknown flag: {name}\nSee 'kubectl --help' for usage.")
        else:
            args.words.append(tok)
        i += 1
    return args


def run_kubectl(cluster, command: str, *, user: str = "admin", groups: tuple = (),
                token: Optional[str] = None) -> str:
    """Run one kubectl command line; return what kubectl prints (stdout and stderr).

    ``user``/``groups`` are the kubeconfig's client certificate, ``token`` (or ``--token``)
    a bearer token; ``--as``/``--as-group`` impersonate another user.
    """
    try:
        args = parse(command)
        token = args.flags.get("token") or token
        if not args.words:
            raise UsageError("error: you must specify a command (get, describe, apply, delete, "
                             "scale, create)")
        verb, rest = args.words[0], args.words[1:]
        handler = COMMANDS.get(verb)
        if handler is None:
            raise UsageError(f'error: unknown command "{verb}" for "kubectl"\n\n'
                             "Did you mean this?\n\t" + _closest(verb))
        return handler(Ctx(cluster, user, groups, args, token), rest).rstrip("\n")
    except KubesimError as err:
        return str(err).rstrip("\n")


def _closest(verb: str) -> str:
    import difflib
    match = difflib.get_close_matches(verb, COMMANDS, n=1)
    return match[0] if match else "get"


@dataclass
class Ctx:
    cluster: object
    user: str
    groups: tuple
    args: Args
    token: Optional[str] = None

    @property
    def credentials(self) -> dict:
        """The kubeconfig identity and the ``--as``/``--as-group`` impersonation flags."""
        return {"token": self.token, "as_user": self.args.flags.get("as"),
                "as_groups": tuple(self.args.flags.get("as_group", ()))}

    @property
    def client(self):
        return self.cluster.client(self.user, self.groups, **self.credentials)

    @property
    def namespace(self) -> str:
        return self.args.flags.get("namespace") or "default"

    def call(self, event):
        return self.cluster.call(event)


def resource_type(name: str) -> ResourceType:
    rt = lookup(name)
    if rt is None:
        raise UsageError(f'error: the server doesn\'t have a resource type "{name}"')
    return rt


def _targets(words: list) -> list[tuple[ResourceType, list[str]]]:
    """``pods``, ``pods a b``, ``pod/a deploy/b``, ``pods,services`` -> [(type, names)]."""
    if not words:
        raise UsageError("error: you must specify the type of resource to get. Use "
                         '"kubectl api-resources" for a complete list of supported resources.')
    if all("/" in w for w in words):
        out: list[tuple[ResourceType, list[str]]] = []
        for w in words:
            kind, name = w.split("/", 1)
            rt = resource_type(kind)
            if out and out[-1][0] is rt:
                out[-1][1].append(name)
            else:
                out.append((rt, [name]))
        return out
    kinds = words[0].split(",")
    names = words[1:]
    if kinds == ["all"]:
        return [(resource_type(k), []) for k in GET_ALL]
    if len(kinds) > 1 and names:
        raise UsageError("error: arguments in resource/name form must have a single resource and name")
    return [(resource_type(k), list(names)) for k in kinds]


# ====================================================================== get
def cmd_get(ctx: Ctx, words: list) -> str:
    flags = ctx.args.flags
    if flags.get("watch"):
        raise UsageError("error: --watch is not supported in kubesim: call c.run(seconds) "
                         "and get again")
    if flags.get("raw"):
        return auth.get_raw(ctx, flags["raw"])
    targets = _targets(words)
    output = flags.get("output", "")
    all_ns = bool(flags.get("all_namespaces"))
    multi = len(targets) > 1 or (words and words[0] == "all")
    blocks, errors, objects_out = [], [], []
    for rt, names in targets:
        ns = None if (all_ns or not rt.namespaced) else ctx.namespace
        items = []
        if names:
            for name in names:
                try:
                    items.append(ctx.call(ctx.client.get(rt.plural, name, namespace=ns)))
                except StatusError as err:
                    errors.append(str(err))
        else:
            listing = ctx.call(ctx.client.list(rt.plural, namespace=ns,
                                               label_selector=flags.get("selector"),
                                               field_selector=flags.get("field_selector")))
            items = listing["items"]
        if output in ("yaml", "json"):
            objects_out += [_with_type(rt, o) for o in items]
            continue
        if output == "name":
            if items:
                blocks.append(printers.print_name(rt, items))
            continue
        if output not in ("", "wide"):
            raise UsageError(f"error: unable to match a printer suitable for the output format "
                             f'"{output}", allowed formats are: json,name,wide,yaml')
        if not items:
            continue
        blocks.append(printers.print_table(rt, items, ctx.cluster.now, wide=output == "wide",
                                           all_namespaces=all_ns and rt.namespaced,
                                           show_labels=bool(flags.get("show_labels")),
                                           no_headers=bool(flags.get("no_headers")),
                                           with_kind=multi,
                                           label_columns=[key for value in flags.get("label_columns", [])
                                                          for key in value.split(",") if key]))
    if output in ("yaml", "json"):
        single = len(objects_out) == 1 and len(targets) == 1 and len(targets[0][1]) == 1
        if objects_out or not errors:
            printer = printers.print_yaml if output == "yaml" else printers.print_json
            blocks.append(printer(objects_out, single=single))
    text = "\n\n".join(b.rstrip("\n") for b in blocks if b)
    if not text and not errors:
        ns = None if all_ns or not targets[0][0].namespaced else ctx.namespace
        text = printers.no_resources_message(ns)
    return "\n".join([t for t in [text] + errors if t])


def _with_type(rt: ResourceType, obj: dict) -> dict:
    """Objects from the API carry apiVersion/kind, as kubectl prints them."""
    return {"apiVersion": rt.api_version, "kind": rt.kind,
            **{k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}}


# ====================================================================== describe
def cmd_describe(ctx: Ctx, words: list) -> str:
    targets = _targets(words)
    out = []
    for rt, names in targets:
        ns = ctx.namespace if rt.namespaced else None
        if not names:
            listing = ctx.call(ctx.client.list(rt.plural, namespace=ns,
                                               label_selector=ctx.args.flags.get("selector")))
            objs = listing["items"]
        else:
            objs = []
            for name in names:
                try:
                    objs.append(ctx.call(ctx.client.get(rt.plural, name, namespace=ns)))
                except StatusError as err:
                    out.append(str(err))
        for obj in objs:
            out.append(_describe_one(ctx, rt, obj))
    return "\n\n".join(o.rstrip("\n") for o in out)


def _describe_one(ctx: Ctx, rt: ResourceType, obj: dict) -> str:
    meta = obj["metadata"]
    # kubelet names a Node in its events by name (its "uid" is the node name).
    fs = f"involvedObject.name={meta['name']},involvedObject.kind={rt.kind}"
    if rt.kind != "Node":
        fs += f",involvedObject.uid={meta.get('uid', '')}"
    events_ns = meta.get("namespace") or "default"
    events = ctx.call(ctx.client.list("events", namespace=None if not rt.namespaced else events_ns,
                                      field_selector=fs))["items"]
    related: dict = {}
    if rt.kind == "Node":
        related["pods"] = ctx.call(ctx.client.list(
            "pods", field_selector=f"spec.nodeName={meta['name']}"))["items"]
        try:
            related["lease"] = ctx.call(ctx.client.get("leases", meta["name"],
                                                       namespace="kube-node-lease"))
        except StatusError:
            pass
    elif rt.kind == "Deployment":
        related["replicasets"] = ctx.call(ctx.client.list(
            "replicasets", namespace=meta["namespace"]))["items"]
    elif rt.kind in ("ReplicaSet", "Service"):
        related["pods"] = ctx.call(ctx.client.list("pods", namespace=meta["namespace"]))["items"]
    if rt.kind == "Service":
        related["endpointslices"] = ctx.call(ctx.client.list(
            "endpointslices", namespace=meta["namespace"],
            label_selector=f"kubernetes.io/service-name={meta['name']}"))["items"]
    return describe_mod.describe(rt, _with_type(rt, obj), now=ctx.cluster.now, events=events,
                                 related=related)


# ====================================================================== apply / create
def cmd_apply(ctx: Ctx, words: list) -> str:
    path = ctx.args.flags.get("filename")
    if not path:
        raise UsageError("error: must specify one of -f and -k")
    if path == "-":
        raise UsageError("error: kubesim cannot read standard input: pass the manifest text to "
                         "c.apply(...) instead")
    import os
    if not os.path.exists(path):
        raise UsageError(f'error: the path "{path}" does not exist')
    lines = apply_documents(ctx.cluster, path, user=ctx.user, groups=ctx.groups,
                            namespace=ctx.args.flags.get("namespace"), **ctx.credentials)
    return "\n".join(lines)


def cmd_create(ctx: Ctx, words: list) -> str:
    if ctx.args.flags.get("filename"):
        raise UsageError("error: use `apply -f` in kubesim (create -f is not supported)")
    if words and words[0] in auth.CREATE_KINDS:        # role, rolebinding, token … (auth.py)
        return auth.create(ctx, words)
    if len(words) >= 1 and words[0] in ("namespace", "ns"):
        if len(words) != 2:
            raise UsageError("error: exactly one NAME is required, got " + str(len(words) - 1))
        body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": words[1]}}
        ctx.call(ctx.client.create("namespaces", body))
        return f"namespace/{words[1]} created"
    raise UsageError("error: kubesim supports `create namespace NAME`; use `apply -f` for "
                     "other objects")


# ====================================================================== delete
def cmd_delete(ctx: Ctx, words: list) -> str:
    flags = ctx.args.flags
    if flags.get("filename"):
        from ..api import manifests
        targets = []
        for doc in manifests.load(flags["filename"]):
            rt = manifests.resolve(doc)
            targets.append((rt, [doc.obj["metadata"]["name"]],
                            doc.obj["metadata"].get("namespace")))
    else:
        if not words:
            raise UsageError("error: You must provide one or more resources by argument or "
                             "filename.")
        targets = [(rt, names, None) for rt, names in _targets(words)]
    grace = flags.get("grace_period")
    grace = int(grace) if grace not in (None, "-1") else None
    if flags.get("now"):
        grace = 1
    if flags.get("force") and grace is None:
        grace = 0
    cascade = {"background": "Background", "foreground": "Foreground", "orphan": "Orphan",
               "true": "Background", "false": "Orphan"}.get(str(flags.get("cascade", "background")).lower())
    if cascade is None:
        raise UsageError('error: invalid cascade value (background, foreground or orphan)')
    lines, deleted = [], []
    for rt, names, doc_ns in targets:
        ns = (doc_ns or ctx.namespace) if rt.namespaced else None
        if not names:
            if not (flags.get("all") or flags.get("selector")):
                raise UsageError("error: resource(s) were provided, but no name was specified")
            listing = ctx.call(ctx.client.list(rt.plural, namespace=ns,
                                               label_selector=flags.get("selector")))
            names = [o["metadata"]["name"] for o in listing["items"]]
            if not names:
                lines.append(printers.no_resources_message(ns))
                continue
        for name in names:
            try:
                ctx.call(ctx.client.delete(rt.plural, name, namespace=ns, grace_period=grace,
                                           propagation=cascade))
            except StatusError as err:
                lines.append(str(err))
                continue
            if flags.get("force") and grace == 0:
                lines.append("Warning: Immediate deletion does not wait for confirmation that the "
                             "running resource has been terminated. The resource may continue to "
                             "run on the cluster indefinitely.")
            lines.append(f'{display_name(rt, name).split("/")[0]} "{name}" deleted')
            deleted.append((rt, name, ns))
    if flags.get("wait", True) is not False:
        _wait_gone(ctx.cluster, deleted)
    return "\n".join(lines)


def _wait_gone(cluster, deleted: list) -> None:
    """kubectl delete waits (``--wait=true``) until the objects are really gone."""
    if not deleted:
        return
    cluster.run_until(lambda c: all(c.get(rt.kind, name, ns) is None for rt, name, ns in deleted),
                      timeout=DELETE_WAIT, step=0.25)


# ====================================================================== scale
def cmd_scale(ctx: Ctx, words: list) -> str:
    replicas = ctx.args.flags.get("replicas")
    if replicas is None:
        raise UsageError("error: required flag(s) \"replicas\" not set")
    try:
        count = int(replicas)
    except ValueError:
        raise UsageError(f'error: invalid argument "{replicas}" for "--replicas" flag: '
                         f'strconv.ParseInt: parsing "{replicas}": invalid syntax') from None
    if count < 0:
        raise UsageError("error: The --replicas=COUNT flag is required, and COUNT must be "
                         "greater than or equal to 0")
    lines = []
    for rt, names in _targets(words):
        if rt.kind not in ("Deployment", "ReplicaSet"):
            raise UsageError(f'error: no objects passed to scale {rt.plural} (kubesim scales '
                             "deployments and replicasets)")
        for name in names:
            ctx.call(ctx.client.patch(rt.plural, name, {"spec": {"replicas": count}},
                                      namespace=ctx.namespace, subresource="scale"))
            lines.append(f"{display_name(rt, name)} scaled")
    return "\n".join(lines)


# ====================================================================== misc
def cmd_api_resources(ctx: Ctx, words: list) -> str:
    rows = [("NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND")]
    for rt in sorted(RESOURCE_TYPES, key=lambda r: (r.group != "", r.plural)):
        rows.append((rt.plural, ",".join(rt.short_names), rt.api_version,
                     "true" if rt.namespaced else "false", rt.kind))
    from .formats import tabwrite_get
    return tabwrite_get("".join("\t".join(r) + "\n" for r in rows)).rstrip("\n")


def cmd_rollout(ctx: Ctx, words: list) -> str:
    from .rollout import rollout
    return rollout(ctx, words)


def cmd_set(ctx: Ctx, words: list) -> str:
    from .rollout import set_image
    return set_image(ctx, words)


def cmd_label(ctx: Ctx, words: list) -> str:
    from .metadata import label
    return label(ctx, words)


def cmd_annotate(ctx: Ctx, words: list) -> str:
    from .metadata import annotate
    return annotate(ctx, words)


COMMANDS = {"get": cmd_get, "describe": cmd_describe, "apply": cmd_apply, "create": cmd_create,
            "delete": cmd_delete, "scale": cmd_scale, "api-resources": cmd_api_resources,
            "rollout": cmd_rollout, "set": cmd_set, "auth": auth.cmd_auth,
            "label": cmd_label, "annotate": cmd_annotate}
