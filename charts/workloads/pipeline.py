"""The golden-path pipeline's steps (charts/workloads/pipeline.ts): one file, one subcommand per step.

  prepare  <run>              Ray Data builds a small two-class data set and logs it to the run's MLflow artifacts
                              (Ray image: ray, numpy).
  train    <run>              PyTorch DDP logistic regression on that data set; rank 0 logs `accuracy` and the
                              weights to the same run (PyTorch image: torch and the standard library).
  evaluate <run> <threshold>  Reads the run's `accuracy` from MLflow and writes pass or fail to /tmp/result
                              (MLflow image).
  register <run> <model> <uri> <result>
                              Turns the weights into a scikit-learn model, writes it to <uri> in the team's bucket and
                              registers it as a version of <model> in MLflow, tagged with the evaluation's result
                              (MLflow image: mlflow, scikit-learn, boto3).

Steps find their run by name (the Workflow's name) in MLFLOW_EXPERIMENT_NAME. MLflow proxies artifacts
(`--serve-artifacts`), so only the register step, which writes to the object store, needs S3 keys.
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


def find_run(run_name):
    """The run the prepare step created for this Workflow."""
    found = mlflow(
        "POST",
        "/api/2.0/mlflow/runs/search",
        {"experiment_ids": [experiment_id()], "filter": "attributes.run_name = '%s'" % run_name, "max_results": 1},
    )
    runs = found.get("runs", [])
    if not runs:
        experiment = os.environ["MLFLOW_EXPERIMENT_NAME"]
        sys.exit("no MLflow run named %s in %s: run the prepare step first" % (run_name, experiment))
    return runs[0]["info"]


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


def prepare(run_name):
    import numpy as np
    import ray

    ray.init()

    def label(batch):
        # Two features around two centres, the class says which: separable enough for a linear model.
        rng = np.random.default_rng(int(batch["id"][0]))
        y = batch["id"] % 2
        x = rng.normal(size=(len(y), FEATURES)) + np.where(y[:, None] == 1, 1.5, -1.5)
        return {"x0": x[:, 0], "x1": x[:, 1], "y": y}

    rows = ray.data.range(ROWS).map_batches(label, batch_format="numpy").random_shuffle(seed=7).take_all()
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["x0", "x1", "y"])
    for row in rows:
        writer.writerow([float(row["x0"]), float(row["x1"]), int(row["y"])])
    run = mlflow(
        "POST",
        "/api/2.0/mlflow/runs/create",
        {"experiment_id": experiment_id(), "run_name": run_name, "start_time": int(time.time() * 1000)},
    )["run"]["info"]
    upload(run, DATA, text.getvalue().encode())
    parameter = {"run_id": run["run_id"], "key": "rows", "value": str(len(rows))}
    mlflow("POST", "/api/2.0/mlflow/runs/log-parameter", parameter)
    print("prepared %d rows in run %s" % (len(rows), run["run_id"]))


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


def register(run_name, model_name, uri, result):
    import boto3
    import joblib
    import numpy as np
    from mlflow import MlflowClient
    from sklearn.linear_model import LogisticRegression

    info = find_run(run_name)
    weights = json.loads(download(info, WEIGHTS))
    model = LogisticRegression()
    model.coef_ = np.array(weights["coef"])
    model.intercept_ = np.array(weights["intercept"])
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
    steps = {"prepare": prepare, "train": train, "evaluate": evaluate, "register": register}
    if len(sys.argv) < 2 or sys.argv[1] not in steps:
        sys.exit("usage: pipeline.py prepare|train|evaluate|register <run> ...")
    steps[sys.argv[1]](*sys.argv[2:])
