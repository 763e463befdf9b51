"""A hyperparameter search with Ray Tune, run as a RayJob's entrypoint on the head (charts/workloads/ray-tune.ts).

Each trial trains a small two-layer network (numpy only) on a synthetic classification set made from a fixed seed, so
the run needs nothing from the internet. ASHA stops the weak trials early; every trial takes the CPUs and GPUs of one
Ray worker, so at most one trial per worker runs at a time. Trial checkpoints and the experiment state go to the team's
bucket through pyarrow's S3 filesystem when TUNE_STORAGE_PATH is set (the head's disk otherwise).

The pinned rayproject/ray image has no MLflow client (its `ray[all]` extras hold none), so Ray's MLflowLoggerCallback
and setup_mlflow, which import mlflow, cannot run there. A Tune callback logs each trial through MLflow's REST API
instead (standard library only): one run per trial with the trial's config as params and its metrics per epoch. At the
end the best trial's weights are uploaded as that run's `model` artifact (the server proxies artifacts) and registered
as a new version of REGISTERED_MODEL_NAME.
"""

import json
import os
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import numpy as np
from ray import tune
from ray.tune.schedulers import ASHAScheduler

FEATURES = 8
METRIC = "val_loss"


def env_int(name, default):
    return int(os.environ.get(name, default))


def env_float(name, default):
    return float(os.environ.get(name, default))


# ---- data and model -------------------------------------------------------------------------------------------------


def dataset():
    """Points in FEATURES dimensions, labelled by a fixed nonlinear rule with 5% of the labels flipped."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(3000, FEATURES))
    y = (np.sin(x[:, 0] * 2) + x[:, 1] * x[:, 2] - 0.5 * x[:, 3] > 0).astype(np.float64)
    flip = rng.random(len(y)) < 0.05
    y[flip] = 1 - y[flip]
    return (x[:2400], y[:2400]), (x[2400:], y[2400:])


def init_weights(hidden, seed):
    rng = np.random.default_rng(seed)
    return {
        "w1": rng.normal(scale=1 / np.sqrt(FEATURES), size=(FEATURES, hidden)),
        "b1": np.zeros(hidden),
        "w2": rng.normal(scale=1 / np.sqrt(hidden), size=hidden),
        "b2": np.zeros(1),
    }


def forward(weights, x):
    hidden = np.tanh(x @ weights["w1"] + weights["b1"])
    logits = hidden @ weights["w2"] + weights["b2"]
    return hidden, 1 / (1 + np.exp(-logits))


def evaluate(weights, x, y):
    _, p = forward(weights, x)
    p = np.clip(p, 1e-7, 1 - 1e-7)
    loss = float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    return loss, float(np.mean((p > 0.5) == y))


def sgd_epoch(weights, x, y, config, rng):
    order = rng.permutation(len(y))
    for start in range(0, len(y), config["batch_size"]):
        batch = order[start : start + config["batch_size"]]
        xb, yb = x[batch], y[batch]
        hidden, p = forward(weights, xb)
        d_logits = (p - yb) / len(yb)
        d_hidden = np.outer(d_logits, weights["w2"]) * (1 - hidden**2)
        grads = {
            "w2": hidden.T @ d_logits + config["l2"] * weights["w2"],
            "b2": np.array([d_logits.sum()]),
            "w1": xb.T @ d_hidden + config["l2"] * weights["w1"],
            "b1": d_hidden.sum(axis=0),
        }
        for name, grad in grads.items():
            weights[name] -= config["lr"] * grad


def train(config):
    """One trial: resumes from its checkpoint when Tune restarts it, reports and checkpoints after every epoch."""
    (x, y), (x_val, y_val) = dataset()
    weights, start = init_weights(config["hidden"], seed=1), 0
    checkpoint = tune.get_checkpoint()
    if checkpoint:
        with checkpoint.as_directory() as directory:
            saved = np.load(os.path.join(directory, "weights.npz"))
            weights, start = {k: saved[k] for k in weights}, int(saved["epoch"])
    rng = np.random.default_rng(start)
    for epoch in range(start + 1, env_int("TUNE_MAX_EPOCHS", 20) + 1):
        sgd_epoch(weights, x, y, config, rng)
        loss, accuracy = evaluate(weights, x_val, y_val)
        with tempfile.TemporaryDirectory() as directory:
            np.savez(os.path.join(directory, "weights.npz"), epoch=epoch, **weights)
            tune.report(
                {METRIC: loss, "val_accuracy": accuracy, "epoch": epoch},
                checkpoint=tune.Checkpoint.from_directory(directory),
            )


# ---- MLflow through its REST API ------------------------------------------------------------------------------------


class Mlflow:
    """The few MLflow REST calls this run needs (https://mlflow.org/docs/latest/api_reference/rest-api.html)."""

    def __init__(self, tracking_uri):
        self.base = tracking_uri.rstrip("/")

    def call(self, method, path, body=None, data=None, content_type="application/json"):
        if body is not None:
            data = json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data, {"Content-Type": content_type}, method=method)
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read()
        return json.loads(text) if text else {}

    def api(self, path, body=None):
        return self.call("POST" if body is not None else "GET", "/api/2.0/mlflow/" + path, body)

    def experiment(self, name):
        query = urllib.parse.urlencode({"experiment_name": name})
        try:
            return self.api("experiments/get-by-name?" + query)["experiment"]["experiment_id"]
        except urllib.error.HTTPError as error:
            if error.code != 404:
                raise
        return self.api("experiments/create", {"name": name})["experiment_id"]

    def upload(self, artifact_uri, name, data):
        """PUTs one file under a run's artifacts through the server's artifact proxy (`--serve-artifacts`)."""
        location = urllib.parse.urlparse(artifact_uri)
        if location.scheme != "mlflow-artifacts":
            raise SystemExit(f"run artifacts at {artifact_uri}: the MLflow server must proxy them (--serve-artifacts)")
        path = f"/api/2.0/mlflow-artifacts/artifacts/{location.path.strip('/')}/{name}"
        self.call("PUT", path, data=data, content_type="application/octet-stream")

    def register(self, model_name, source, run_id):
        try:
            self.api("registered-models/create", {"name": model_name})
        except urllib.error.HTTPError as error:
            if error.code != 400:  # RESOURCE_ALREADY_EXISTS: a new version of the same model
                raise
        created = self.api("model-versions/create", {"name": model_name, "source": source, "run_id": run_id})
        return created["model_version"]["version"]


class MlflowTrials(tune.Callback):
    """What MLflowLoggerCallback does, without the mlflow package: one MLflow run per trial."""

    def __init__(self, client, experiment_id):
        self.client, self.experiment_id, self.runs = client, experiment_id, {}

    def on_trial_start(self, iteration, trials, trial, **info):
        now = int(time.time() * 1000)
        run = self.client.api(
            "runs/create",
            {"experiment_id": self.experiment_id, "run_name": str(trial), "start_time": now},
        )["run"]["info"]
        self.runs[trial.trial_id] = run
        params = [{"key": key, "value": str(value)} for key, value in sorted(trial.config.items())]
        self.client.api("runs/log-batch", {"run_id": run["run_id"], "params": params})

    def on_trial_result(self, iteration, trials, trial, result, **info):
        now = int(time.time() * 1000)
        step = int(result["training_iteration"])
        metrics = [
            {"key": key, "value": float(result[key]), "timestamp": now, "step": step}
            for key in (METRIC, "val_accuracy")
        ]
        self.client.api("runs/log-batch", {"run_id": self.runs[trial.trial_id]["run_id"], "metrics": metrics})

    def end(self, trial, status):
        run_id = self.runs[trial.trial_id]["run_id"]
        self.client.api("runs/update", {"run_id": run_id, "status": status, "end_time": int(time.time() * 1000)})

    def on_trial_complete(self, iteration, trials, trial, **info):
        self.end(trial, "FINISHED")

    def on_trial_error(self, iteration, trials, trial, **info):
        self.end(trial, "FAILED")


# ---- the search -----------------------------------------------------------------------------------------------------


def storage():
    """The team bucket through pyarrow's S3 filesystem (path-style, the given endpoint); without it, the head's disk."""
    path = os.environ.get("TUNE_STORAGE_PATH", "")
    if not path:
        return {}
    from pyarrow import fs

    endpoint = urllib.parse.urlparse(os.environ["AWS_ENDPOINT_URL"])
    filesystem = fs.S3FileSystem(
        access_key=os.environ["AWS_ACCESS_KEY_ID"],
        secret_key=os.environ["AWS_SECRET_ACCESS_KEY"],
        region=os.environ["AWS_DEFAULT_REGION"],
        scheme=endpoint.scheme,
        endpoint_override=endpoint.netloc,
    )
    return {"storage_path": path, "storage_filesystem": filesystem}


def log_model(client, run, best):
    """The best trial's weights and an MLmodel file as the `model` artifact of its run."""
    with best.checkpoint.as_directory() as directory:
        with open(os.path.join(directory, "weights.npz"), "rb") as weights:
            client.upload(run["artifact_uri"], "model/weights.npz", weights.read())
    # No python_function flavor: loading needs this file's forward(), not an MLflow loader.
    mlmodel = (
        "artifact_path: model\n"
        "flavors:\n  numpy_mlp:\n    weights: weights.npz\n    activation: tanh\n"
        f"run_id: {run['run_id']}\n"
        f"utc_time_created: '{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())}'\n"
    )
    client.upload(run["artifact_uri"], "model/MLmodel", mlmodel.encode())


def main():
    client = Mlflow(os.environ["MLFLOW_TRACKING_URI"])
    trials = MlflowTrials(client, client.experiment(os.environ["MLFLOW_EXPERIMENT_NAME"]))
    resources = {"cpu": env_float("TUNE_TRIAL_CPUS", 1), "gpu": env_float("TUNE_TRIAL_GPUS", 0)}
    tuner = tune.Tuner(
        tune.with_resources(train, resources),
        param_space={
            "lr": tune.loguniform(1e-3, 1.0),
            "hidden": tune.choice([8, 16, 32, 64]),
            "l2": tune.loguniform(1e-6, 1e-2),
            "batch_size": tune.choice([32, 64, 128]),
        },
        tune_config=tune.TuneConfig(
            metric=METRIC,
            mode="min",
            num_samples=env_int("TUNE_NUM_SAMPLES", 8),
            max_concurrent_trials=env_int("TUNE_MAX_CONCURRENT_TRIALS", 1),
            scheduler=ASHAScheduler(max_t=env_int("TUNE_MAX_EPOCHS", 20), grace_period=2, reduction_factor=2),
        ),
        run_config=tune.RunConfig(
            name=os.environ["TUNE_EXPERIMENT"],
            callbacks=[trials],
            # Every epoch's checkpoint is kept (a few KB each): with `num_to_keep`, Tune forces an experiment-state
            # upload after each checkpoint, which races with its own driver-state sync on S3.
            **storage(),
        ),
    )
    results = tuner.fit()
    best = results.get_best_result()
    if best.checkpoint is None:
        raise SystemExit(f"no trial finished an epoch: {[str(error) for error in results.errors]}")
    run = trials.runs[best.metrics["trial_id"]]
    log_model(client, run, best)
    model_name = os.environ["REGISTERED_MODEL_NAME"]
    version = client.register(model_name, run["artifact_uri"].rstrip("/") + "/model", run["run_id"])
    print(
        f"best trial {best.metrics['trial_id']}: {METRIC}={best.metrics[METRIC]:.4f} "
        f"val_accuracy={best.metrics['val_accuracy']:.3f} config={best.config}; "
        f"registered {model_name} version {version} from run {run['run_id']}"
    )


if __name__ == "__main__":
    main()
