"""A minimal PyTorch DDP run, started by torchrun on every node of a TrainJob (charts/workloads/train-job.ts).

Every rank trains the same small linear model on its own random batches for STEPS steps; DistributedDataParallel
all-reduces the gradients over NCCL (GPUs) or Gloo (CPU), so the run exercises the Trainer's rendezvous (the PET_*
variables torchrun reads) and the network between the TrainJob's pods. Rank 0 then logs the mean final loss and the
world size to MLflow through its REST API (MLFLOW_TRACKING_URI, MLFLOW_EXPERIMENT_NAME): the Python standard library
only, as the PyTorch image has no MLflow client.
"""

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request

import torch
import torch.distributed as dist

STEPS = int(os.environ.get("STEPS", "50"))
FEATURES = 16


def mlflow(path, body=None):
    url = os.environ["MLFLOW_TRACKING_URI"].rstrip("/") + "/api/2.0/mlflow/" + path
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def experiment_id(name):
    try:
        found = mlflow("experiments/get-by-name?" + urllib.parse.urlencode({"experiment_name": name}))
        return found["experiment"]["experiment_id"]
    except urllib.error.HTTPError as error:
        if error.code != 404:
            raise
    return mlflow("experiments/create", {"name": name})["experiment_id"]


def log_run(loss, world_size):
    now = int(time.time() * 1000)
    run = mlflow(
        "runs/create",
        {
            "experiment_id": experiment_id(os.environ["MLFLOW_EXPERIMENT_NAME"]),
            "start_time": now,
            "run_name": os.environ.get("HOSTNAME", "ddp-check"),
        },
    )["run"]["info"]["run_id"]
    mlflow(
        "runs/log-batch",
        {
            "run_id": run,
            "params": [{"key": "world_size", "value": str(world_size)}],
            "metrics": [{"key": "loss", "value": loss, "timestamp": now, "step": STEPS}],
        },
    )
    mlflow("runs/update", {"run_id": run, "status": "FINISHED", "end_time": int(time.time() * 1000)})


def main():
    cuda = torch.cuda.is_available()
    dist.init_process_group("nccl" if cuda else "gloo")
    rank, world_size = dist.get_rank(), dist.get_world_size()
    device = torch.device("cuda", int(os.environ["LOCAL_RANK"])) if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)
    torch.manual_seed(rank)
    model = torch.nn.parallel.DistributedDataParallel(
        torch.nn.Linear(FEATURES, 1).to(device), device_ids=[device.index] if cuda else None
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    weights = torch.linspace(-1, 1, FEATURES, device=device)
    for _ in range(STEPS):
        batch = torch.randn(64, FEATURES, device=device)
        loss = torch.nn.functional.mse_loss(model(batch).squeeze(1), batch @ weights)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    mean = loss.detach().clone()
    dist.all_reduce(mean)
    mean /= world_size
    if rank == 0:
        print(f"world size {world_size}, mean loss after {STEPS} steps: {mean.item():.4f}", flush=True)
        log_run(mean.item(), world_size)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
