"""A framework hook's training that resumes from a checkpoint is linked to the run that wrote it
(``resume``, inferred, with the evidence), on the real libraries; a checkpoint of no known run,
or one changed since, links nothing."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlmodel import select

from runnotes.store import Store
from runnotes.store.models import Run

os.environ.setdefault("KERAS_BACKEND", "torch")  # Keras 3 on the torch the other tests use


def links(store: Store) -> dict[str, tuple[str | None, str | None, int | None, str | None]]:
    """Each run's (parent name, how, step, source), by name."""
    with store.read() as session:
        runs = session.exec(select(Run)).all()
    names = {r.id: r.name for r in runs}
    return {
        r.name: (names.get(r.parent_id), r.link_how, r.link_step, r.link_source)  # type: ignore[arg-type]
        for r in runs
    }


def evidence(store: Store, name: str) -> str:
    with store.read() as session:
        return session.exec(select(Run.link_evidence).where(Run.name == name)).one() or ""


def _xy(n: int = 64) -> tuple[np.ndarray, np.ndarray]:
    x = np.random.default_rng(0).normal(size=(n, 4)).astype("float32")
    return x, (x.sum(1) > 0).astype("float32")


# -- XGBoost: the booster carries the run that trained it ---------------------------------------


def test_xgboost_continued_booster(store: Store, tmp_path: Path) -> None:
    import xgboost as xgb

    from runnotes.integrations.xgboost import MARK, RunnotesCallback

    x, y = _xy()
    data = xgb.DMatrix(x, y)
    params = {"max_depth": 2, "eta": 0.3, "nthread": 1}
    first = xgb.train(
        params,
        data,
        5,
        evals=[(data, "train")],
        verbose_eval=False,
        callbacks=[RunnotesCallback("boost-5")],
    )
    first.save_model(tmp_path / "boost.json")
    xgb.train(
        params,
        data,
        3,
        evals=[(data, "train")],
        verbose_eval=False,
        xgb_model=str(tmp_path / "boost.json"),
        callbacks=[RunnotesCallback("boost-8")],
    )
    # a booster trained without runnotes, and one whose mark names a run of another store
    plain = xgb.train(params, data, 2)
    xgb.train(params, data, 1, xgb_model=plain, callbacks=[RunnotesCallback("from-plain")])
    foreign = xgb.train(params, data, 2)
    mark = json.loads(first.attr(MARK))  # type: ignore[arg-type]
    foreign.set_attr(**{MARK: json.dumps({**mark, "name": "someone-elses"})})
    xgb.train(params, data, 1, xgb_model=foreign, callbacks=[RunnotesCallback("from-foreign")])

    found = links(store)
    assert found["boost-8"] == ("boost-5", "resume", 5, "inferred")
    assert "run " in evidence(store, "boost-8") and "xgboost hook" in evidence(store, "boost-8")
    assert found["boost-5"][0] is None
    assert found["from-plain"] == found["from-foreign"] == (None, None, None, None)


# -- Lightning: ModelCheckpoint's files, recorded; fit(ckpt_path=…) ----------------------------


def _fit_lightning(store: Store, name: str, root: Path, ckpt: Path | None = None) -> None:
    import lightning as L
    import torch
    from lightning.pytorch.callbacks import ModelCheckpoint
    from torch.utils.data import DataLoader, TensorDataset

    from runnotes.integrations.lightning import RunnotesLogger

    class Tiny(L.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.net = torch.nn.Linear(4, 1)

        def training_step(self, batch, index):  # type: ignore[no-untyped-def]
            x, y = batch
            loss = torch.nn.functional.mse_loss(self.net(x).squeeze(1), y)
            self.log("train_loss", loss)
            return loss

        def configure_optimizers(self):  # type: ignore[no-untyped-def]
            return torch.optim.SGD(self.parameters(), lr=0.05)

    torch.manual_seed(0)
    x, y = _xy()
    data = DataLoader(TensorDataset(torch.tensor(x), torch.tensor(y)), batch_size=16)
    trainer = L.Trainer(
        max_epochs=4 if ckpt else 2,
        logger=RunnotesLogger(name),
        callbacks=[ModelCheckpoint(dirpath=root / name, save_last=True)],
        enable_progress_bar=False,
        enable_model_summary=False,
        accelerator="cpu",
    )
    trainer.fit(Tiny(), data, ckpt_path=str(ckpt) if ckpt else None)


@pytest.mark.slow
def test_lightning_fit_from_a_checkpoint(store: Store, tmp_path: Path) -> None:
    _fit_lightning(store, "pl-first", tmp_path)
    last = tmp_path / "pl-first" / "last.ckpt"
    copy = tmp_path / "elsewhere.ckpt"
    shutil.copy(last, copy)  # the same weights, but no run recorded writing this file
    _fit_lightning(store, "pl-resumed", tmp_path, last)
    _fit_lightning(store, "pl-from-copy", tmp_path, copy)
    found = links(store)
    assert found["pl-resumed"] == ("pl-first", "resume", 8, "inferred")  # 4 batches × 2 epochs
    assert "last.ckpt" in evidence(store, "pl-resumed")
    assert "lightning hook" in evidence(store, "pl-resumed")
    assert found["pl-from-copy"] == (None, None, None, None)


# -- Hugging Face: the checkpoint's trainer_state.json names the run ---------------------------


def _hf_train(tmp_path: Path, out: str, name: str | None, resume: str | None = None) -> None:
    from transformers import Trainer, TrainingArguments

    from integrations.conftest import tiny_bert, toy_tokens
    from runnotes.integrations.transformers import RunnotesCallback

    args = TrainingArguments(
        output_dir=str(tmp_path / out),
        num_train_epochs=2,
        per_device_train_batch_size=8,
        save_strategy="steps",
        save_steps=4,
        use_cpu=True,
        disable_tqdm=True,
        report_to="none",
    )
    Trainer(
        model=tiny_bert(),
        args=args,
        train_dataset=toy_tokens(32),
        callbacks=[RunnotesCallback(name)] if name else [],
    ).train(resume_from_checkpoint=resume)


@pytest.mark.slow
def test_transformers_resume_from_checkpoint(store: Store, tmp_path: Path) -> None:
    _hf_train(tmp_path, "first", "hf-first")
    _hf_train(tmp_path, "second", "hf-resumed", str(tmp_path / "first" / "checkpoint-4"))
    _hf_train(tmp_path, "plain", None)  # checkpoints made without runnotes
    # resuming one of those links nothing, and saving after it still works
    _hf_train(tmp_path, "third", "hf-from-plain", str(tmp_path / "plain" / "checkpoint-4"))
    found = links(store)
    assert found["hf-resumed"] == ("hf-first", "resume", 4, "inferred")
    assert "transformers hook" in evidence(store, "hf-resumed")
    assert found["hf-from-plain"] == (None, None, None, None)
    assert (tmp_path / "third" / "checkpoint-8" / "trainer_state.json").exists()


# -- Keras: the files said to the callback -------------------------------------------------------


@pytest.mark.slow
def test_keras_weights_from_a_run(store: Store, tmp_path: Path) -> None:
    import keras

    from runnotes.integrations.keras import RunnotesCallback

    x, y = _xy()

    def model() -> Any:
        built = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)], name="tiny")
        built.compile(optimizer="sgd", loss="mse")
        return built

    saved = tmp_path / "best.weights.h5"
    first = model()
    first.fit(
        x,
        y,
        epochs=2,
        verbose=0,
        callbacks=[
            keras.callbacks.ModelCheckpoint(str(saved), save_weights_only=True),
            RunnotesCallback("keras-first", checkpoint=saved),
        ],
    )
    copy = tmp_path / "copied.weights.h5"
    shutil.copy(saved, copy)
    for name, path in (("keras-resumed", saved), ("keras-from-copy", copy)):
        again = model()
        again.load_weights(str(path))
        again.fit(x, y, epochs=1, verbose=0, callbacks=[RunnotesCallback(name, resumed_from=path)])
    found = links(store)
    assert found["keras-resumed"] == ("keras-first", "resume", None, "inferred")
    assert "best.weights.h5" in evidence(store, "keras-resumed")
    assert found["keras-from-copy"] == (None, None, None, None)
