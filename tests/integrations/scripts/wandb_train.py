"""A training script written for Weights & Biases, in the style of W&B's quickstart examples.

It is run unchanged except for its first import (the test rewrites ``import wandb`` into
``import runnotes as wandb``), so nothing here may know about runnotes.
"""

import argparse
import math
import random

import wandb

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=8)
parser.add_argument("--batch_size", type=int, default=32)
args = parser.parse_args()

# Start a new wandb run to track this script.
run = wandb.init(
    # Set the wandb project where this run will be logged.
    project="my-awesome-project",
    name="quickstart-cnn",
    # Track hyperparameters and run metadata.
    config={
        "learning_rate": 0.02,
        "architecture": "CNN",
        "dataset": "CIFAR-100",
        "optimizer": {"name": "adam", "beta1": 0.9},
    },
    tags=["baseline", "cifar"],
    notes="first try with the small CNN",
)
wandb.config.update(args)
wandb.config.dropout = 0.1

random.seed(0)
offset = random.random() / 5
best_acc = 0.0
for epoch in range(2, wandb.config.epochs):
    for batch in range(3):
        loss = 2**-epoch + random.random() / (epoch * (batch + 1)) + offset
        wandb.log({"train/loss": loss, "epoch": epoch}, commit=False)
        wandb.log({"train/lr": wandb.config.learning_rate * math.exp(-0.1 * epoch)})
    acc = 1 - 2**-epoch - random.random() / epoch - offset
    best_acc = max(best_acc, acc)
    # log metrics to wandb
    run.log({"val": {"acc": acc, "loss": loss}, "examples": "a caption"})

wandb.run.summary["best_acc"] = best_acc
print(f"best accuracy {wandb.summary['best_acc']:.4f}, last loss {run.summary['val.loss']:.4f}")

# [optional] finish the wandb run, necessary in notebooks
wandb.finish()
