"""The seed article's manifests, verbatim (indentation restored), as the lessons use them.

The course is built from an article on enterprise Kubernetes architecture; these are its
YAML examples.  ``tests/test_seed_manifests.py`` checks they apply to a kubesim cluster
exactly as written.
"""

NAMESPACE = """\
apiVersion: v1
kind: Namespace
metadata:
  name: finance-prod
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-app
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.25
        ports:
        - containerPort: 80
"""

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web-service
spec:
  type: ClusterIP
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 80
"""

ROLE = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  namespace: finance-prod
  name: readonly
rules:
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list"]
"""

#: The container ``resources`` block of the article's "requests and limits" section.
RESOURCES = """\
resources:
  requests:
    cpu: "250m"
    memory: "256Mi"
  limits:
    cpu: "500m"
    memory: "512Mi"
"""

ALL = (NAMESPACE, DEPLOYMENT, SERVICE, ROLE)
