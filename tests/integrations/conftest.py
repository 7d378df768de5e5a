"""Integration fixtures: the store's one run and what it logged, a toy dataset and model."""

from __future__ import annotations

from runnotes.store import Store
from runnotes.store.queries import RunDetail, list_runs, run_detail


def only_run(store: Store) -> RunDetail:
    """The store's one run, in detail (a test that made more is wrong)."""
    runs = list_runs(store)
    assert len(runs) == 1, [r.name for r in runs]
    return run_detail(store, runs[0].id)


def logged(detail: RunDetail, metric: str) -> list[tuple[int | None, float | None]]:
    """The ``(step, value)`` rows stored for ``metric``, as stored (not the series rules)."""
    return [(c.step, c.value) for c in detail.captures if c.kind == "metric" and c.name == metric]


def steps(detail: RunDetail, metric: str) -> list[int | None]:
    return [step for step, _ in logged(detail, metric)]


def toy_tokens(n: int):  # type: ignore[no-untyped-def]
    """``n`` random 8-token sequences, labelled by their first token (a transformers dataset)."""
    import torch

    class Toy(torch.utils.data.Dataset):  # type: ignore[type-arg]
        def __init__(self) -> None:
            self.x = torch.randint(1, 30, (n, 8), generator=torch.Generator().manual_seed(0))

        def __len__(self) -> int:
            return len(self.x)

        def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
            ids = self.x[i]
            return {"input_ids": ids, "attention_mask": torch.ones(8), "labels": ids[0] // 16}

    return Toy()


def tiny_bert():  # type: ignore[no-untyped-def]
    """A one-layer BERT classifier small enough to train in seconds on the CPU."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=32,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=16,
    )
    return BertForSequenceClassification(config)
