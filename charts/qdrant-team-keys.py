"""Mints one Qdrant key per team and writes it into the team's namespace.

Qdrant with `service.jwt_rbac` accepts JSON Web Tokens signed (HS256) with its API key, whose `access`
claim limits them to named collections (https://qdrant.tech/documentation/guides/security/, "Granular
access control with JWT"). Signing needs only the API key, never a call to Qdrant, so this runs as a Helm
hook Job beside Qdrant: the admin key stays in Qdrant's namespace, and each team namespace receives a
token that opens its own collection and nothing else.

Such a token cannot create its collection, so the Job creates each team's collection first when it is
missing, with the admin key (header `api-key`): GET /collections/<name> answers 404 for a missing one, then
PUT /collections/<name> {"vectors": COLLECTION_VECTORS} creates it (qdrant/qdrant@v1.19.0:
src/actix/api/collections_api.rs, src/actix/helpers.rs). An existing collection is left as it is, even with
other vector parameters (that is printed): re-running the Job changes no data.

Environment:
  QDRANT_API_KEY_FILE  a file holding the signing key (Qdrant's API key), mounted from its Secret
  TEAMS            JSON list of {"namespace", "collection"}
  SECRET_NAME      the Secret written in each team namespace
  ENDPOINT         the database address written beside the key, and the one the collections are created at
  COLLECTION_VECTORS  JSON vector parameters of a new collection, e.g. {"size": 384, "distance": "Cosine"}
  QDRANT_URL       Qdrant's REST address (default: ENDPOINT; tests point it elsewhere)
  KUBERNETES_API   the API server (default: in-cluster); SA_DIR the ServiceAccount mount (tests point both elsewhere)
Only Python's standard library is used.
"""

import base64
import hashlib
import hmac
import json
import os
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def team_token(key: str, collection: str) -> str:
    """An HS256 JWT whose only right is read-write on one collection."""
    compact = {"separators": (",", ":"), "sort_keys": True}
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, **compact).encode())
    claims = b64url(json.dumps({"access": [{"access": "rw", "collection": collection}]}, **compact).encode())
    signature = hmac.new(key.encode(), f"{header}.{claims}".encode(), hashlib.sha256).digest()
    return f"{header}.{claims}.{b64url(signature)}"


def http(request: urllib.request.Request, context=None) -> tuple:
    """The status and the JSON body (None when there is none) of a request; HTTP errors are answers too."""
    try:
        with urllib.request.urlopen(request, context=context, timeout=30) as response:
            status, text = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read()
    try:
        return status, json.loads(text) if text else None
    except ValueError:
        return status, None


def ensure_collection(qdrant: str, key: str, collection: str, vectors: dict) -> bool:
    """Creates the collection when it is missing; an existing one is left alone. False on a failure."""
    url = f"{qdrant.rstrip('/')}/collections/{urllib.parse.quote(collection, safe='')}"
    headers = {"api-key": key, "Content-Type": "application/json"}
    status, body = http(urllib.request.Request(url, method="GET", headers=headers))
    if status == 200:
        found = ((body or {}).get("result") or {}).get("config", {}).get("params", {}).get("vectors")
        if found == vectors:
            print(f"collection {collection}: exists")
        else:
            mismatch = f"exists with vectors {json.dumps(found)}, not {json.dumps(vectors)}; left as it is"
            print(f"collection {collection}: {mismatch}")
        return True
    if status != 404:
        print(f"reading collection {collection} failed with HTTP {status}", file=sys.stderr)
        return False
    create = json.dumps({"vectors": vectors}).encode()
    status, _ = http(urllib.request.Request(url, data=create, method="PUT", headers=headers))
    if status == 409:  # created meanwhile by another run
        print(f"collection {collection}: exists")
        return True
    if status != 200:
        print(f"creating collection {collection} failed with HTTP {status}", file=sys.stderr)
        return False
    print(f"collection {collection}: created with vectors {json.dumps(vectors)}")
    return True


def main() -> int:
    with open(os.environ["QDRANT_API_KEY_FILE"], encoding="utf-8") as handle:
        key = handle.read().strip()
    teams = json.loads(os.environ["TEAMS"])
    name = os.environ["SECRET_NAME"]
    endpoint = os.environ["ENDPOINT"]
    vectors = json.loads(os.environ["COLLECTION_VECTORS"])
    qdrant = os.environ.get("QDRANT_URL", endpoint)
    api = os.environ.get("KUBERNETES_API", "https://kubernetes.default.svc")
    sa_dir = os.environ.get("SA_DIR", "/var/run/secrets/kubernetes.io/serviceaccount")
    with open(os.path.join(sa_dir, "token"), encoding="utf-8") as handle:
        bearer = handle.read().strip()
    context = ssl.create_default_context(cafile=os.path.join(sa_dir, "ca.crt")) if api.startswith("https") else None

    def call(method: str, path: str, body: dict) -> int:
        request = urllib.request.Request(
            api + path,
            data=json.dumps(body).encode(),
            method=method,
            headers={"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"},
        )
        return http(request, context)[0]

    for team in teams:
        namespace, collection = team["namespace"], team["collection"]
        if not ensure_collection(qdrant, key, collection, vectors):
            return 1
        secret = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": name, "namespace": namespace, "labels": {"app.kubernetes.io/managed-by": "cnai"}},
            "type": "Opaque",
            "stringData": {"api-key": team_token(key, collection), "collection": collection, "endpoint": endpoint},
        }
        status = call("POST", f"/api/v1/namespaces/{namespace}/secrets", secret)
        if status == 409:  # it exists: replace it, so a rotated key reaches every team
            status = call("PUT", f"/api/v1/namespaces/{namespace}/secrets/{name}", secret)
        if status not in (200, 201):
            print(f"writing Secret {namespace}/{name} failed with HTTP {status}", file=sys.stderr)
            return 1
        print(f"{namespace}/{name}: key for collection {collection}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
