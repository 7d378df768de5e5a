"""Each framework's hook on the real library, on a tiny real training (CPU, seconds each)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import runnotes
from integrations.conftest import logged, only_run, steps
from runnotes.store import Store

os.environ.setdefault("KERAS_BACKEND", "torch")  # Keras 3 on the torch the other tests use


def _classification(n: int = 64) -> tuple[np.ndarray, np.ndarray]:
    x = np.random.default_rng(0).normal(size=(n, 4)).astype("float32")
    return x, (x.sum(1) > 0).astype("float32")


@pytest.mark.slow
def test_keras_callback(store: Store) -> None:
    import keras

    from runnotes.integrations.keras import RunnotesCallback

    x, y = _classification()
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)],
        name="tiny",
    )
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    hook = RunnotesCallback("keras-tiny", experiment="hooks", log_every_n_batches=2)
    model.fit(x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0, callbacks=[hook])
    detail = only_run(store)
    s = detail.summary
    assert (s.name, s.experiment, s.status) == ("keras-tiny", "hooks", "ok")
    assert s.params["epochs"] == "3" and s.params["optimizer.name"] == "adam"
    assert float(s.params["optimizer.learning_rate"]) == pytest.approx(0.01)
    assert s.params["model"] == "tiny" and s.params["model.params"] == "49"
    # 48 training rows in batches of 16: 3 batches an epoch; epoch values at the epoch's last.
    assert steps(detail, "loss") == steps(detail, "val_mae") == [3, 6, 9]
    assert [v for _, v in logged(detail, "epoch")] == [1, 2, 3]
    assert steps(detail, "batch/loss") == [2, 4, 6, 8]


def _lightning_module(fail: bool = False):  # type: ignore[no-untyped-def]
    import lightning as L
    import torch

    class Tiny(L.LightningModule):
        def __init__(self, lr: float = 0.05, hidden: int = 8) -> None:
            super().__init__()
            self.save_hyperparameters()
            self.net = torch.nn.Sequential(
                torch.nn.Linear(4, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1)
            )

        def training_step(self, batch, index):  # type: ignore[no-untyped-def]
            if fail and self.global_step == 3:
                raise RuntimeError("diverged")
            x, y = batch
            loss = torch.nn.functional.mse_loss(self.net(x).squeeze(1), y)
            self.log("train_loss", loss)
            return loss

        def validation_step(self, batch, index):  # type: ignore[no-untyped-def]
            x, y = batch
            self.log("val_loss", torch.nn.functional.mse_loss(self.net(x).squeeze(1), y))

        def configure_optimizers(self):  # type: ignore[no-untyped-def]
            return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)

    return Tiny()


def _fit_lightning(logger, fail: bool = False) -> None:  # type: ignore[no-untyped-def]
    import lightning as L
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    torch.manual_seed(0)
    x, y = _classification()
    data = DataLoader(TensorDataset(torch.tensor(x), torch.tensor(y)), batch_size=8)
    trainer = L.Trainer(
        max_epochs=2,
        logger=logger,
        log_every_n_steps=2,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        accelerator="cpu",
    )
    trainer.fit(_lightning_module(fail), data, data)


@pytest.mark.slow
def test_lightning_logger(store: Store, tmp_path: Path) -> None:
    from runnotes.integrations.lightning import RunnotesLogger

    _fit_lightning(RunnotesLogger("pl-tiny", tags=["pl"]))
    detail = only_run(store)
    s = detail.summary
    assert (s.name, s.status, s.tags) == ("pl-tiny", "ok", ["pl"])
    assert s.params == {"lr": "0.05", "hidden": "8"}
    # 8 batches an epoch, logged every 2nd step; validation at each epoch's end.
    assert steps(detail, "train_loss") == [1, 3, 5, 7, 9, 11, 13, 15]
    assert steps(detail, "val_loss") == [7, 15]
    assert {v for _, v in logged(detail, "epoch")} == {0, 1}


def test_lightning_logger_marks_a_failed_fit(store: Store) -> None:
    from runnotes.integrations.lightning import RunnotesLogger

    with pytest.raises(RuntimeError, match="diverged"):
        _fit_lightning(RunnotesLogger("pl-fails"), fail=True)
    assert only_run(store).summary.status == "failed"


@pytest.mark.parametrize("how", ["callback", "report_to"])
@pytest.mark.slow
def test_transformers_callback(store: Store, tmp_path: Path, how: str) -> None:
    from transformers import Trainer, TrainingArguments

    from integrations.conftest import tiny_bert, toy_tokens
    from runnotes.integrations.transformers import RunnotesCallback, register

    if how == "report_to":
        register()
    args = TrainingArguments(
        output_dir=str(tmp_path / "out"),
        run_name="hf-tiny",
        num_train_epochs=2,
        per_device_train_batch_size=8,
        learning_rate=1e-3,
        logging_steps=2,
        eval_strategy="epoch",
        save_strategy="no",
        use_cpu=True,
        disable_tqdm=True,
        report_to=["runnotes"] if how == "report_to" else "none",
    )
    Trainer(
        model=tiny_bert(),
        args=args,
        train_dataset=toy_tokens(32),
        eval_dataset=toy_tokens(16),
        callbacks=[] if how == "report_to" else [RunnotesCallback()],
    ).train()
    detail = only_run(store)
    s = detail.summary
    assert (s.name, s.status) == ("hf-tiny", "ok")
    assert s.params["learning_rate"] == "0.001" and s.params["num_train_epochs"] == "2"
    assert s.params["per_device_train_batch_size"] == "8"
    assert s.params["model"] == "BertForSequenceClassification"
    assert steps(detail, "loss") == [2, 4, 6, 8] and steps(detail, "eval_loss") == [4, 8]
    assert [v for _, v in logged(detail, "epoch")][-1] == 2.0


def _diabetes():  # type: ignore[no-untyped-def]
    from sklearn.datasets import load_diabetes

    return load_diabetes(return_X_y=True)


def test_xgboost_callback(store: Store) -> None:
    import xgboost as xgb

    from runnotes.integrations.xgboost import RunnotesCallback

    x, y = _diabetes()
    train, test = xgb.DMatrix(x[:300], y[:300]), xgb.DMatrix(x[300:], y[300:])
    xgb.train(
        {"max_depth": 3, "eta": 0.25, "nthread": 1},
        train,
        num_boost_round=5,
        evals=[(train, "train"), (test, "eval")],
        verbose_eval=False,
        callbacks=[RunnotesCallback("xgb")],
    )
    detail = only_run(store)
    s = detail.summary
    assert s.status == "ok" and s.params["max_depth"] == "3" and s.params["nthread"] == "1"
    assert float(s.params["eta"]) == pytest.approx(0.25)
    assert s.params["objective"] == "reg:squarederror" and s.params["num_boosted_rounds"] == "5"
    assert steps(detail, "train-rmse") == steps(detail, "eval-rmse") == [0, 1, 2, 3, 4]


def test_lightgbm_callback_inside_a_run_of_the_sdk(store: Store) -> None:
    """A hook inside ``with runnotes.start_run()`` writes to that run and leaves it open."""
    import lightgbm as lgb

    from runnotes.integrations.lightgbm import runnotes_callback

    x, y = _diabetes()
    train = lgb.Dataset(x[:300], y[:300])
    valid = lgb.Dataset(x[300:], y[300:], reference=train)
    params = {"objective": "regression", "verbose": -1, "num_threads": 1, "learning_rate": 0.1}
    with runnotes.start_run("outer") as run:
        lgb.train(
            params, train, num_boost_round=4, valid_sets=[valid], callbacks=[runnotes_callback()]
        )
        run.log_metric("after", 1.0)  # still open
    detail = only_run(store)
    s = detail.summary
    assert (s.name, s.status) == ("outer", "ok")
    assert s.params["objective"] == "regression" and s.params["learning_rate"] == "0.1"
    assert steps(detail, "valid_0-l2") == [0, 1, 2, 3] and "after" in s.metrics
