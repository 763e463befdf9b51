"""The golden-path pipeline's steps (charts/workloads/pipeline.ts): one file, one subcommand per step.

  features <run>              When the team has Feast features: reads the sample feature repository's historical
                              features (charts/workloads/feature-repo.py, its source in FEATURE_REPO_PY), creates the
                              run and logs the rows to its MLflow artifacts (Feast feature-server image).
  prepare  <run> [features]   Ray Data builds a small two-class data set, synthetic or from those feature rows, and
                              logs it to the run's MLflow artifacts (Ray image: ray, numpy).
  train    <run>              PyTorch DDP logistic regression on that data set; rank 0 logs `accuracy` and the
                              weights to the same run (PyTorch image: torch and the standard library).
  evaluate <run> <threshold>  Reads the run's `accuracy` from MLflow and writes pass or fail to /tmp/result
                              (MLflow image).
  register <run> <model> <uri> <result>
                              Turns the weights into a scikit-learn model, writes it to <uri> in the team's bucket and
                              registers it as a version of <model> in MLflow, tagged with the evaluation's result
                              (MLflow image: mlflow, scikit-learn, boto3).

The first step creates the MLflow run; the later ones find it by name (the Workflow's name) in MLFLOW_EXPERIMENT_NAME.
MLflow proxies artifacts (`--serve-artifacts`), so only the register step, which writes to the object store, needs S3
keys.
Argo substitutes double-brace expressions in every string of a Workflow: this file must contain none.
"""

import csv
import io
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

FEATURES = 2
ROWS = 2000
ACCURACY = "accuracy"
DATA = "data/train.csv"
FEATURE_ROWS = "data/features.csv"
# How the prepare step turns feature rows into a training set: two of the repository's DRIVER_FEATURES are the
# inputs, and the label is 1 where the third is below its median. In the sample repository acc_rate is a per-driver
# constant (0.9 down to 0.5), so the label says "one of the two drivers with the lowest acceptance rate", which
# conv_rate (also set per driver) separates: a learnable demonstration, not a meaningful model.
TRAINING_FEATURES = ("conv_rate", "avg_daily_trips")
LABEL_FEATURE = "acc_rate"
# The inputs' mean and standard deviation: the train step sees standardized inputs, the register step folds the
# scaling into the served model, which then takes the features as Feast serves them.
SCALING = "data/scaling.json"
WEIGHTS = "model/weights.json"


def mlflow(method, path, body=None):
    """Calls MLflow's REST API (standard library only, so it runs in the Ray and PyTorch images)."""
    url = os.environ["MLFLOW_TRACKING_URI"].rstrip("/") + path
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        text = response.read().decode()
    return json.loads(text) if text else {}


def experiment_id():
    name = os.environ["MLFLOW_EXPERIMENT_NAME"]
    query = urllib.parse.urlencode({"experiment_name": name})
    try:
        return mlflow("GET", "/api/2.0/mlflow/experiments/get-by-name?" + query)["experiment"]["experiment_id"]
    except urllib.error.HTTPError as error:
        if error.code != 404:
            raise
    return mlflow("POST", "/api/2.0/mlflow/experiments/create", {"name": name})["experiment_id"]


def search_run(run_name):
    found = mlflow(
        "POST",
        "/api/2.0/mlflow/runs/search",
        {"experiment_ids": [experiment_id()], "filter": "attributes.run_name = '%s'" % run_name, "max_results": 1},
    )
    runs = found.get("runs", [])
    return runs[0]["info"] if runs else None


def find_run(run_name):
    """The run the first step (features, or prepare) created for this Workflow."""
    info = search_run(run_name)
    if info is None:
        experiment = os.environ["MLFLOW_EXPERIMENT_NAME"]
        sys.exit("no MLflow run named %s in %s: run the first step (features, or prepare) first"
                 % (run_name, experiment))
    return info


def start_run(run_name):
    """The Workflow's run, created by its first step; a retried step finds the one it made before."""
    info = search_run(run_name)
    if info is not None:
        return info
    body = {"experiment_id": experiment_id(), "run_name": run_name, "start_time": int(time.time() * 1000)}
    return mlflow("POST", "/api/2.0/mlflow/runs/create", body)["run"]["info"]


def log_parameter(info, key, value):
    mlflow("POST", "/api/2.0/mlflow/runs/log-parameter", {"run_id": info["run_id"], "key": key, "value": str(value)})


def artifact_url(info, path):
    """The proxied artifact's address: mlflow-artifacts:/<experiment>/<run>/artifacts/<path> on the tracking server."""
    location = info["artifact_uri"].split(":", 1)[1].lstrip("/")
    if info["artifact_uri"].startswith("mlflow-artifacts://"):
        location = location.split("/", 1)[1]  # drop the host part
    return "/api/2.0/mlflow-artifacts/artifacts/%s/%s" % (location, path)


def upload(info, path, content):
    url = os.environ["MLFLOW_TRACKING_URI"].rstrip("/") + artifact_url(info, path)
    request = urllib.request.Request(url, data=content, method="PUT")
    urllib.request.urlopen(request, timeout=120).read()


def download(info, path):
    url = os.environ["MLFLOW_TRACKING_URI"].rstrip("/") + artifact_url(info, path)
    with urllib.request.urlopen(url, timeout=120) as response:
        return response.read()


def feature_repository():
    """The sample feature repository (feature-repo.py), run from its source as the module feature_repo."""
    import types

    module = types.ModuleType("feature_repo")
    sys.modules[module.__name__] = module
    exec(compile(os.environ["FEATURE_REPO_PY"], "feature-repo.py", "exec"), module.__dict__)
    return module


def features(run_name):
    repo = feature_repository()
    names = [feature.split(":", 1)[1] for feature in repo.DRIVER_FEATURES]
    missing = [name for name in TRAINING_FEATURES + (LABEL_FEATURE,) if name not in names]
    if missing:
        sys.exit("the feature repository serves %s, not %s: change TRAINING_FEATURES or LABEL_FEATURE"
                 % (names, missing))
    store = repo.feature_store()
    # The entity rows are every (driver, hour) the repository recorded: the PostgreSQL offline store takes them as a
    # query, and joins each with the features as they were at that hour.
    entities = "SELECT driver_id, event_timestamp FROM %s" % repo.TABLE
    rows = repo.historical_features(store, entities).dropna(subset=names)
    if rows.empty:
        sys.exit("no feature rows in %s: run the team's feature-repo sample (apply) first" % repo.TABLE)
    info = start_run(run_name)
    upload(info, FEATURE_ROWS, rows[["driver_id", "event_timestamp"] + names].to_csv(index=False).encode())
    log_parameter(info, "feature_rows", len(rows))
    print("read %d feature rows into run %s" % (len(rows), info["run_id"]))


def feature_training_set(info, np):
    """The inputs (standardized), labels and scaling from the feature rows the features step logged."""
    rows = list(csv.DictReader(io.StringIO(download(info, FEATURE_ROWS).decode())))
    x = np.array([[float(row[name]) for name in TRAINING_FEATURES] for row in rows])
    third = np.array([float(row[LABEL_FEATURE]) for row in rows])
    y = (third < np.median(third)).astype(int)
    if y.min() == y.max():
        sys.exit("%s has one value in every feature row: no two classes to learn" % LABEL_FEATURE)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    return (x - mean) / scale, y, {"mean": mean.tolist(), "scale": scale.tolist()}


def prepare(run_name, source="synthetic"):
    import numpy as np
    import ray

    ray.init()
    if source == "features":
        info = find_run(run_name)
        x, y, scaling = feature_training_set(info, np)

        def label(batch):
            # The repository has few rows (5 drivers x 48 hours in the sample): row i of the training set repeats
            # feature row i mod n with noise of 5% of a standard deviation, so ROWS rows reach the train step. The
            # held-out rows are near copies of trained ones: the accuracy says the model fits, not that it generalizes.
            rng = np.random.default_rng(int(batch["id"][0]))
            pick = batch["id"] % len(y)
            noisy = x[pick] + rng.normal(scale=0.05, size=(len(pick), FEATURES))
            return {"x0": noisy[:, 0], "x1": noisy[:, 1], "y": y[pick]}

    elif source == "synthetic":
        info, scaling = None, None

        def label(batch):
            # Two features around two centres, the class says which: separable enough for a linear model.
            rng = np.random.default_rng(int(batch["id"][0]))
            y = batch["id"] % 2
            x = rng.normal(size=(len(y), FEATURES)) + np.where(y[:, None] == 1, 1.5, -1.5)
            return {"x0": x[:, 0], "x1": x[:, 1], "y": y}

    else:
        sys.exit('prepare: unknown source "%s": use synthetic or features' % source)

    rows = ray.data.range(ROWS).map_batches(label, batch_format="numpy").random_shuffle(seed=7).take_all()
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["x0", "x1", "y"])
    for row in rows:
        writer.writerow([float(row["x0"]), float(row["x1"]), int(row["y"])])
    run = info or start_run(run_name)
    upload(run, DATA, text.getvalue().encode())
    if scaling is not None:
        upload(run, SCALING, json.dumps(scaling).encode())
    log_parameter(run, "rows", len(rows))
    log_parameter(run, "source", source)
    print("prepared %d rows (%s) in run %s" % (len(rows), source, run["run_id"]))


def train(run_name):
    import torch
    import torch.distributed as dist

    backend = "nccl" if torch.cuda.is_available() else "gloo"
    dist.init_process_group(backend)
    rank, world = dist.get_rank(), dist.get_world_size()
    device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0"))) if backend == "nccl" else torch.device("cpu")
    info = find_run(run_name)
    rows = list(csv.DictReader(io.StringIO(download(info, DATA).decode())))
    x = torch.tensor([[float(r["x0"]), float(r["x1"])] for r in rows])
    y = torch.tensor([float(r["y"]) for r in rows])
    split = int(len(rows) * 0.8)
    # Every rank trains on its own shard of the first 80%; the rest is held out for the accuracy.
    shard = slice(rank, split, world)
    model = torch.nn.parallel.DistributedDataParallel(
        torch.nn.Linear(FEATURES, 1).to(device), device_ids=[device.index] if backend == "nccl" else None
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    for _ in range(200):
        optimizer.zero_grad()
        loss = loss_fn(model(x[shard].to(device)).squeeze(1), y[shard].to(device))
        loss.backward()
        optimizer.step()
    if rank == 0:
        with torch.no_grad():
            predicted = (model(x[split:].to(device)).squeeze(1) > 0).float().cpu()
        accuracy = float((predicted == y[split:]).float().mean())
        layer = model.module
        weights = {"coef": layer.weight.detach().cpu().tolist(), "intercept": layer.bias.detach().cpu().tolist()}
        upload(info, WEIGHTS, json.dumps(weights).encode())
        now = int(time.time() * 1000)
        for key, value in (("loss", float(loss)), (ACCURACY, accuracy)):
            metric = {"run_id": info["run_id"], "key": key, "value": value, "timestamp": now}
            mlflow("POST", "/api/2.0/mlflow/runs/log-metric", metric)
        print("trained on %d ranks: accuracy %.3f" % (world, accuracy))
    dist.destroy_process_group()


def evaluate(run_name, threshold):
    accuracy = find_run_metrics(run_name).get(ACCURACY)
    result = "pass" if accuracy is not None and accuracy >= float(threshold) else "fail"
    with open("/tmp/result", "w") as out:
        out.write(result)
    print("accuracy %s against threshold %s: %s" % (accuracy, threshold, result))


def find_run_metrics(run_name):
    run = mlflow("GET", "/api/2.0/mlflow/runs/get?run_id=" + find_run(run_name)["run_id"])["run"]
    return {metric["key"]: metric["value"] for metric in run["data"].get("metrics", [])}


def scaling_of(info):
    """The inputs' scaling when the run trained on feature rows (its `source` parameter); synthetic runs have none."""
    run = mlflow("GET", "/api/2.0/mlflow/runs/get?run_id=" + info["run_id"])["run"]
    params = {param["key"]: param["value"] for param in run["data"].get("params", [])}
    return json.loads(download(info, SCALING)) if params.get("source") == "features" else None


def register(run_name, model_name, uri, result):
    import boto3
    import joblib
    import numpy as np
    from mlflow import MlflowClient
    from sklearn.linear_model import LogisticRegression

    info = find_run(run_name)
    weights = json.loads(download(info, WEIGHTS))
    coef, intercept = np.array(weights["coef"]), np.array(weights["intercept"])
    scaling = scaling_of(info)
    if scaling is not None:
        # Trained on (x - mean) / scale: the same line in the features' own units, so clients send them as they are.
        mean, scale = np.array(scaling["mean"]), np.array(scaling["scale"])
        coef, intercept = coef / scale, intercept - (coef / scale) @ mean
    model = LogisticRegression()
    model.coef_ = coef
    model.intercept_ = intercept
    model.classes_ = np.array([0, 1])
    local = "/tmp/model.joblib"
    joblib.dump(model, local)
    bucket, _, prefix = uri[len("s3://"):].partition("/")
    # The team's read-write keys and the store's endpoint come from the environment (AWS_* variables).
    boto3.client("s3").upload_file(local, bucket, prefix.rstrip("/") + "/model.joblib")
    client = MlflowClient()
    try:
        client.create_registered_model(model_name)
    except Exception as error:  # already registered by an earlier run
        if "RESOURCE_ALREADY_EXISTS" not in str(error):
            raise
    version = client.create_model_version(model_name, uri, run_id=info["run_id"], tags={"evaluation": result})
    print("registered %s version %s from %s (evaluation: %s)" % (model_name, version.version, uri, result))


if __name__ == "__main__":
    steps = {"features": features, "prepare": prepare, "train": train, "evaluate": evaluate, "register": register}
    if len(sys.argv) < 2 or sys.argv[1] not in steps:
        sys.exit("usage: pipeline.py features|prepare|train|evaluate|register <run> ...")
    steps[sys.argv[1]](*sys.argv[2:])
