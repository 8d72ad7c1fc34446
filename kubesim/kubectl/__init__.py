"""kubectl for kubesim: the exact text real kubectl (v1.33) prints.

``printers`` (``kubectl get``), ``describe`` (``kubectl describe``) and ``formats`` (shared
helpers) are pure functions of manifest-shaped dicts; ``commands`` parses command lines.
"""
