"""The names ML engineers give their metrics and hyper-parameters, and how they say them.

Each canonical name (the snake_case a training script would log) lists the phrases people use for
it, written after :func:`runnotes.voice.numbers.to_digits` ("top one accuracy" → "top 1
accuracy"). The kind says whether a value under that name is a setting (``param``) or a result
(``metric``). Names in no list get a readable snake_case of what was said (see ``extract``), so
this is a head start for common names, not a closed set; a run's own logged names come first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

PARAMS: dict[str, tuple[str, ...]] = {
    "lr": (
        "learning rate",
        "lr",
        "learning-rate",
        "lrate",
        "peak learning rate",
        "base learning rate",
    ),
    # XGBoost's and LightGBM's own name for their shrinkage, logged as "eta" by their hooks: a
    # note that says "eta" means that setting, not a network's learning rate.
    "eta": (),
    "min_lr": ("minimum learning rate", "min learning rate", "min lr", "final learning rate"),
    "batch_size": (
        "batch size",
        "batch-size",
        "batchsize",
        "mini batch size",
        "minibatch size",
        "batch",
        "bs",
    ),
    "micro_batch_size": ("micro batch size", "micro-batch size"),
    "epochs": (
        "epochs",
        "epoch",
        "number of epochs",
        "num epochs",
        "training epochs",
        "training epoch",
        "max epochs",
        "max epoch",
    ),
    "max_steps": (
        "training steps",
        "total steps",
        "number of training steps",
        "steps",
        "max iterations",
        "max iters",
        "total iterations",
        "max update",
        "max updates",
    ),
    "dropout": ("dropout", "drop out", "dropout rate", "drop-out", "dropout probability"),
    "attention_dropout": ("attention dropout", "attention drop", "attn dropout"),
    "input_dropout": ("input dropout", "input drop"),
    "edge_dropout": ("edge dropout", "edge drop", "drop edge"),
    "layerdrop": ("layerdrop", "layer drop"),
    "weight_decay": ("weight decay", "weight-decay", "l2 penalty", "wd"),
    "warmup_steps": (
        "warmup steps",
        "warm up steps",
        "warm-up steps",
        "warmup",
        "warm up",
        "warmup updates",
        "warmups",  # "ten thousand warmup steps" heard as "10000 warmups, tips"
        "warm ups",
    ),
    "warmup_epochs": ("warmup epochs", "warm up epochs", "warm-up epochs"),
    "warmup_ratio": ("warmup ratio", "warm up ratio", "warmup fraction"),
    "momentum": ("momentum",),
    "beta1": ("beta1", "beta 1", "adam beta1", "adam beta 1"),
    "beta2": ("beta2", "beta 2", "adam beta2", "adam beta 2"),
    "eps": ("epsilon", "eps", "adam epsilon"),
    "optimizer": ("optimizer", "optimiser"),
    "num_layers": ("layers", "layer", "number of layers", "num layers"),
    "layer_decay": ("layer decay", "layer-wise decay", "layerwise decay"),
    "drop_path": ("drop path", "drop path rate", "stochastic depth"),
    "encoder_layers": ("encoder layers", "number of encoder layers"),
    "decoder_layers": ("decoder layers", "number of decoder layers"),
    "num_heads": ("heads", "attention heads", "number of heads", "number of attention heads"),
    "hidden_size": ("hidden size", "hidden dimension", "hidden dim", "hidden units", "units"),
    "embedding_dim": (
        "embedding dimension",
        "embedding size",
        "embedding dim",
        "embedding width",
        "embed size",
        "embed dim",
    ),
    "seq_len": (
        "sequence length",
        "max sequence length",
        "maximum sequence length",
        "context length",
        "context window",
        "max length",
        "seq len",
        "max seq len",
        "block size",
        "input length",
    ),
    "image_size": (
        "image size",
        "image resolution",
        "input resolution",
        "resolution",
        "input size",
    ),
    "crop_size": ("crop size",),
    "patch_size": ("patch size",),
    "vocab_size": ("vocabulary size", "vocab size"),
    "seed": ("seed", "random seed"),
    "label_smoothing": ("label smoothing", "smoothing"),
    "grad_clip": (
        "gradient clipping",
        "grad clip",
        "gradient clip",
        "gradient norm clipping",
        "max grad norm",
        "max gradient norm",
        "clip norm",
        "grad clipping",
    ),
    "gradient_accumulation_steps": (
        "gradient accumulation steps",
        "gradient accumulation",
        "grad accumulation",
        "accumulation steps",
        "grad accum",
    ),
    "max_depth": ("max depth", "maximum depth", "tree depth", "max tree depth"),
    "n_estimators": (
        "number of trees",
        "trees",
        "number of estimators",
        "estimators",
        "boosting rounds",
        "rounds",
    ),
    "min_child_weight": ("min child weight", "minimum child weight"),
    "feature_fraction": ("feature fraction",),
    "num_leaves": ("number of leaves", "num leaves", "leaves"),
    "min_samples_leaf": ("min samples per leaf", "minimum samples per leaf", "min samples leaf"),
    "subsample": ("subsample", "subsample ratio", "row subsample"),
    "colsample_bytree": ("col sample by tree", "colsample by tree", "column subsample"),
    "beam_size": ("beam size", "beam width", "number of beams", "beams", "beam"),
    "length_penalty": ("length penalty", "lenpen"),
    "temperature": ("temperature", "sampling temperature"),
    "top_k": ("top-k", "top k"),
    "top_p": ("top-p", "top p", "nucleus p"),
    "kernel_size": ("kernel size", "filter size"),
    "stride": ("stride",),
    "num_filters": ("filters", "number of filters", "channels", "number of channels"),
    "num_workers": ("workers", "number of workers", "data loader workers"),
    "patience": ("patience", "early stopping patience"),
    "lora_rank": ("lora rank", "lora r", "rank of the lora", "rank"),
    "lora_alpha": ("lora alpha",),
    "alpha": ("alpha",),  # a bare alpha is LoRA's, mixup's or distillation's: say which
    "mixup_alpha": ("mixup alpha", "mixup"),
    "cutmix": ("cutmix",),
    "ema_decay": ("ema decay",),
    "gamma": ("discount factor", "gamma"),
    "entropy_coef": ("entropy coefficient", "entropy coef", "entropy bonus"),
    "clip_range": ("clip range", "clip ratio", "ppo clip"),
    "buffer_size": ("replay buffer size", "buffer size", "replay buffer"),
    "n_clusters": ("number of clusters", "clusters"),
    "threshold": ("decision threshold", "threshold", "classification threshold"),
    "mask_ratio": ("mask ratio", "masking ratio"),
    # "on 4 V100s": a card's model name in the plural counts the GPUs
    "num_gpus": (
        "gpus",
        "number of gpus",
        *(f"{card}s" for card in ("v100", "a100", "h100", "p100", "p40", "t4", "a6000")),
        *(f"{card} gpus" for card in ("v100", "a100", "h100", "p100", "p40", "t4", "titan xp")),
        "1080 tis",
        "2080 tis",
    ),
    # diffusion sampling and LLM quantisation settings
    "guidance_scale": ("guidance scale", "cfg scale", "classifier free guidance scale"),
    "diffusion_steps": ("diffusion steps", "number of diffusion steps"),
    "bits": ("bits", "number of bits", "bit width", "quantization bits"),
    "group_size": ("group size", "quantization group size"),
    "num_segments": ("segments", "number of segments"),
    "early_stopping_rounds": ("early stopping rounds", "early stopping round"),
}

METRICS: dict[str, tuple[str, ...]] = {
    "accuracy": ("accuracy", "acc"),
    "balanced_accuracy": ("balanced accuracy",),
    # segmentation and point clouds log both: pixel (or point) accuracy overall, and per class
    # (their written short names "OA", "mAcc" stay as written)
    "overall_accuracy": ("overall accuracy",),
    "mean_accuracy": ("mean accuracy", "mean class accuracy"),
    "top1_accuracy": (
        "top 1 accuracy",
        "top-1 accuracy",
        "top1 accuracy",
        "top 1",
        "top-1",
        "top1",
        "prec at 1",
        "prec@1",
    ),
    "top5_accuracy": (
        "top 5 accuracy",
        "top-5 accuracy",
        "top5 accuracy",
        "top 5",
        "top-5",
        "top5",
        "prec at 5",
        "prec@5",
    ),
    "loss": ("loss", "cross entropy loss", "cross-entropy loss", "cross entropy"),
    "error_rate": ("error rate", "error", "classification error"),
    "f1": ("f1", "f 1", "f1 score", "f 1 score", "f-1", "f-1 score", "f score", "f1-score"),
    "macro_f1": ("macro f1", "macro f 1", "macro-f1", "macro averaged f1", "macro f1 score"),
    "micro_f1": ("micro f1", "micro f 1", "micro-f1", "micro averaged f1", "micro f1 score"),
    "weighted_f1": ("weighted f1", "weighted f 1", "weighted f1 score"),
    "precision": ("precision",),
    "recall": ("recall",),
    "specificity": ("specificity",),
    "sensitivity": ("sensitivity",),
    "auc": (
        "auc",
        "a u c",
        "roc auc",
        "auroc",
        "area under the curve",
        "area under the roc curve",
        "auc roc",
    ),
    "pr_auc": ("pr auc", "auprc", "area under the precision recall curve", "average precision"),
    # COCO-style "AP" is the mean over classes (and IoU thresholds) that detection code logs as mAP
    "map": (
        "map",
        "mean average precision",
        "m a p",
        "box map",
        "mean ap",
        "ap",
        "box ap",
        "bbox ap",
    ),
    "iou": ("iou", "intersection over union"),
    "miou": ("miou", "mean iou", "mean intersection over union", "miu", "mean class iou"),
    "dice": ("dice", "dice score", "dice coefficient", "mean dice"),
    "perplexity": ("perplexity", "ppl"),
    "bpb": ("bpb", "bits per byte"),
    "bleu": (
        "bleu",
        "bleu score",
        "sacrebleu",
        "blue score",
        "bleu4",
        "bleu 4",
    ),  # "blue score": how it sounds
    "rouge_l": ("rouge-l", "rouge l", "rougel"),
    "rouge_1": ("rouge-1", "rouge 1", "rouge1"),
    "rouge_2": ("rouge-2", "rouge 2", "rouge2"),
    "rmse": ("rmse", "root mean squared error", "root mean square error"),
    "mse": ("mse", "mean squared error", "mean square error"),
    "mae": ("mae", "mean absolute error"),
    "r2": ("r2", "r squared", "r2 score", "r 2", "coefficient of determination"),
    "log_loss": ("log loss", "logloss", "log-loss"),
    "wer": ("word error rate", "wer"),
    "cer": ("character error rate", "cer"),
    "ter": ("token error rate", "translation error rate", "ter"),
    "exact_match": ("exact match", "em score", "em"),
    "ndcg": ("ndcg",),
    "mrr": ("mrr", "mean reciprocal rank"),
    "psnr": ("psnr", "peak signal to noise ratio"),
    "ssim": ("ssim",),
    "fid": ("fid", "frechet inception distance", "fid score"),
    "sfid": ("sfid",),
    "inception_score": ("inception score",),
    "eer": ("eer", "equal error rate"),
    "reward": ("reward", "average reward", "mean reward", "reward per episode", "episode reward"),
    "return": ("return", "episode return", "mean return", "average return"),
    "success_rate": ("success rate",),
    "grad_norm": ("grad norm", "gradient norm"),
    "throughput": ("throughput",),
    "latency": ("latency", "inference latency"),
    "kl": ("kl", "kl divergence"),
    "ece": ("calibration error", "expected calibration error", "ece"),
    "matthews_correlation": ("matthews correlation", "mcc", "matthews correlation coefficient"),
    "clip_score": ("clip score",),
    "pixel_accuracy": ("pixel accuracy",),
    "hit_rate": ("hit rate", "hit ratio"),
}

# Categorical values spoken for a parameter: "switched the optimizer to Adam".
CATEGORIES: dict[str, dict[str, str]] = {
    "optimizer": {
        w: w for w in ("adam", "adamw", "sgd", "rmsprop", "adagrad", "lion", "adafactor", "lamb")
    },
}

# A split word before a metric, or "on the test set", names the split: val_, test_ or train_.
SPLITS = {
    "validation": "val",
    "val": "val",
    "valid": "val",
    "dev": "val",
    "eval": "val",
    "evaluation": "val",
    "test": "test",
    "testing": "test",
    "train": "train",
    "training": "train",
}
SPLIT_PREFIXES = ("val_", "test_", "train_")


def kind_of(name: str) -> str | None:
    """``param`` or ``metric`` for a canonical name (split prefixes allowed), else None."""
    bare = name
    for prefix in SPLIT_PREFIXES:
        bare = bare.removeprefix(prefix)
    if bare in PARAMS:
        return "param"
    if bare in METRICS:
        return "metric"
    return None


def phrases() -> Iterable[tuple[str, str]]:
    """(canonical name, spoken phrase) for every entry."""
    for table in (PARAMS, METRICS):
        for name, aliases in table.items():
            yield name, name.replace("_", " ")
            for alias in aliases:
                yield name, alias


# -- spelling-free keys: the run's "val_acc" and the spoken "validation accuracy" agree ------------
_EXPAND = {
    "lr": ["learning", "rate"],
    "acc": ["accuracy"],
    "val": ["validation"],
    "valid": ["validation"],
    "eval": ["validation"],
    "dev": ["validation"],
    "bs": ["batch", "size"],
    "wd": ["weight", "decay"],
    "train": ["training"],
    "ppl": ["perplexity"],
    "f1score": ["f1"],
    "top1": ["top", "1"],
    "top5": ["top", "5"],
    "num": [],
    "n": [],
    "number": [],
    "of": [],
    "the": [],
    "score": [],
    "dim": ["size"],
    "lr0": ["learning", "rate"],
    "epoch": ["epochs"],
    "nlayers": ["layers"],
    "attn": ["attention"],
    "emb": ["embedding"],
    "embed": ["embedding"],
    "seq": ["sequence"],
    "len": ["length"],
    "grad": ["gradient"],
    "accum": ["accumulation"],
    "hparams": ["hyperparameters"],
    "temp": ["temperature"],
}


def words(name: str) -> list[str]:
    return [w for w in re.split(r"[\s_\-./]+", name.lower()) if w]


def name_key(name: str) -> str:
    """A spelling-free key: ``val_acc``, ``validation accuracy`` and ``val-accuracy`` agree."""
    out: list[str] = []
    for word in words(name):
        out.extend(_EXPAND.get(word, [word]))
    return " ".join(out)
