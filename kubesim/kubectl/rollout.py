"""``kubectl rollout status|history|undo|pause|resume|restart`` and ``kubectl set image``.

Each talks to the API server as kubectl does; ``rollout status`` runs the simulation while it
waits, printing kubectl's progress lines (k8s.io/kubectl/pkg/polymorphichelpers/rollout_status.go).
"""
from __future__ import annotations

from ..api import clock
from ..errors import StatusError, UsageError
from ..util import deep_copy

REVISION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"
STATUS_TIMEOUT = 600.0     # simulated seconds rollout status waits at most (--timeout)


def _deployment_name(words: list) -> str:
    if len(words) == 1 and "/" in words[0]:
        kind, name = words[0].split("/", 1)
    elif len(words) == 2:
        kind, name = words
    else:
        raise UsageError("error: required resource not specified")
    if kind.lower() not in ("deployment", "deployments", "deploy", "deployment.apps",
                            "deployments.apps"):
        raise UsageError(f'error: no rollout support for "{kind}" in kubesim (deployments only)')
    return name


def status_message(d: dict) -> tuple[str, bool]:
    """(kubectl's line for the rollout's state, done?) — DeploymentStatusViewer.Status."""
    name = d["metadata"]["name"]
    st, spec = d.get("status", {}), d["spec"]
    if d["metadata"].get("generation", 0) > st.get("observedGeneration", 0):
        return "Waiting for deployment spec update to be observed...", False
    cond = next((c for c in st.get("conditions", []) if c["type"] == "Progressing"), None)
    if cond and cond.get("reason") == "ProgressDeadlineExceeded":
        raise UsageError(f'error: deployment "{name}" exceeded its progress deadline')
    replicas, updated = spec.get("replicas", 1), st.get("updatedReplicas", 0)
    if updated < replicas:
        return (f'Waiting for deployment "{name}" rollout to finish: {updated} out of {replicas} '
                "new replicas have been updated..."), False
    if st.get("replicas", 0) > updated:
        return (f'Waiting for deployment "{name}" rollout to finish: '
                f"{st.get('replicas', 0) - updated} old replicas are pending termination..."), False
    if st.get("availableReplicas", 0) < updated:
        return (f'Waiting for deployment "{name}" rollout to finish: '
                f"{st.get('availableReplicas', 0)} of {updated} updated replicas are available..."), False
    return f'deployment "{name}" successfully rolled out', True


def rollout(ctx, words: list) -> str:
    if not words:
        raise UsageError("error: you must specify a rollout subcommand: status, history, undo, "
                         "pause, resume or restart")
    sub, rest = words[0], words[1:]
    name = _deployment_name(rest)
    ns = ctx.namespace
    get = lambda: ctx.call(ctx.client.get("deployments", name, namespace=ns))
    if sub == "status":
        return _status(ctx, get)
    if sub == "history":
        return _history(ctx, get(), ns)
    if sub == "undo":
        return _undo(ctx, get(), ns)
    if sub in ("pause", "resume"):
        d = get()
        paused = sub == "pause"
        if bool(d["spec"].get("paused")) == paused:
            return f"deployment.apps/{name} {'already paused' if paused else 'is not paused'}"
        ctx.call(ctx.client.patch("deployments", name, {"spec": {"paused": paused or None}},
                                  namespace=ns))
        return f"deployment.apps/{name} {'paused' if paused else 'resumed'}"
    if sub == "restart":
        stamp = clock.timestamp(ctx.cluster.now)
        ctx.call(ctx.client.patch("deployments", name, {"spec": {"template": {"metadata": {
            "annotations": {"kubectl.kubernetes.io/restartedAt": stamp}}}}}, namespace=ns))
        return f"deployment.apps/{name} restarted"
    raise UsageError(f'error: unknown rollout subcommand "{sub}"')


def update_with_retry(ctx, name: str, ns: str, mutate) -> dict:
    """GET, change, PUT — again on 409 Conflict (client-go's RetryOnConflict)."""
    for _ in range(5):
        d = ctx.call(ctx.client.get("deployments", name, namespace=ns))
        changed = mutate(deep_copy(d))
        if changed is None or changed == d:
            return d
        try:
            return ctx.call(ctx.client.update("deployments", changed))
        except StatusError as err:
            if err.reason != "Conflict":
                raise
    raise StatusError(f'Error from server (Conflict): deployments.apps "{name}" kept changing',
                      409, "Conflict")


def _status(ctx, get) -> str:
    lines: list[str] = []
    deadline = ctx.cluster.now + STATUS_TIMEOUT
    while True:
        message, done = status_message(get())
        if not lines or lines[-1] != message:
            lines.append(message)
        if done:
            return "\n".join(lines)
        if ctx.cluster.now >= deadline:
            lines.append("error: timed out waiting for the condition")
            return "\n".join(lines)
        ctx.cluster.run(0.5)


def _owned_replicasets(ctx, d: dict, ns: str) -> list[dict]:
    listing = ctx.call(ctx.client.list("replicasets", namespace=ns))["items"]
    uid = d["metadata"]["uid"]
    return [rs for rs in listing
            if any(r.get("uid") == uid and r.get("controller")
                   for r in rs["metadata"].get("ownerReferences") or [])]


def _revision(rs: dict) -> int:
    return int((rs["metadata"].get("annotations") or {}).get(REVISION, "0"))


def _history(ctx, d: dict, ns: str) -> str:
    to = ctx.args.flags.get("to_revision") or ctx.args.flags.get("revision")
    rss = sorted(_owned_replicasets(ctx, d, ns), key=_revision)
    if to:
        rs = next((r for r in rss if _revision(r) == int(to)), None)
        if rs is None:
            raise UsageError("error: unable to find the specified revision")
        template = rs["spec"]["template"]
        c = template["spec"]["containers"][0]
        labels = ",".join(f"{k}={v}" for k, v in sorted((template["metadata"].get("labels") or {}).items()))
        return (f'deployment.apps/{d["metadata"]["name"]} with revision #{to}\n'
                f"Pod Template:\n  Labels:\t{labels}\n  Containers:\n   {c['name']}:\n"
                f"    Image:\t{c['image']}")
    lines = [f"deployment.apps/{d['metadata']['name']} ", "REVISION  CHANGE-CAUSE"]
    for rs in rss:
        cause = (rs["metadata"].get("annotations") or {}).get(CHANGE_CAUSE, "<none>")
        lines.append(f"{_revision(rs):<10}{cause}")
    return "\n".join(lines) + "\n"


def _undo(ctx, d: dict, ns: str) -> str:
    """Copy an older ReplicaSet's template back into the Deployment (kubectl's rollback)."""
    name = d["metadata"]["name"]
    rss = sorted(_owned_replicasets(ctx, d, ns), key=_revision)
    current = int((d["metadata"].get("annotations") or {}).get(REVISION, "0"))
    to = ctx.args.flags.get("to_revision")
    if to:
        target = next((r for r in rss if _revision(r) == int(to)), None)
        if target is None:
            raise UsageError(f"error: unable to find specified revision {to} in history")
    else:
        older = [r for r in rss if _revision(r) < current]
        if not older:
            raise UsageError("error: no rollout history found for deployment "
                             f'"{name}"' if not rss else
                             f'error: no previous revision found for deployment "{name}"')
        target = older[-1]
    template = deep_copy(target["spec"]["template"])
    template["metadata"].get("labels", {}).pop("pod-template-hash", None)
    if template == d["spec"]["template"]:
        return (f"deployment.apps/{name} skipped rollback (current template already matches "
                f"revision {_revision(target)})")

    def rollback(obj: dict) -> dict:
        obj["spec"]["template"] = template
        return obj
    try:
        update_with_retry(ctx, name, ns, rollback)
    except StatusError as err:
        return str(err)
    return f"deployment.apps/{name} rolled back"


def set_image(ctx, words: list) -> str:
    """``kubectl set image deployment/web-app web=nginx:1.26``."""
    if len(words) < 2 or words[0] != "image":
        raise UsageError("error: kubesim supports `set image deployment/NAME CONTAINER=IMAGE`")
    name = _deployment_name([words[1]])
    pairs = dict(w.split("=", 1) for w in words[2:] if "=" in w)
    if not pairs:
        raise UsageError("error: at least one image update is required")
    ns = ctx.namespace

    def change(obj: dict) -> dict:
        containers = obj["spec"]["template"]["spec"]["containers"]
        for cname, image in pairs.items():
            match = [c for c in containers if c["name"] == cname or cname == "*"]
            if not match:
                raise UsageError(f'error: unable to find container named "{cname}"')
            for c in match:
                c["image"] = image
        return obj
    update_with_retry(ctx, name, ns, change)
    return f"deployment.apps/{name} image updated"
