"""The report's figures: the confusion matrix and the training curves (matplotlib, Agg)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def plot_confusion(m: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cm = np.array(m["confusion_matrix"], float)
    norm = cm / np.maximum(cm.sum(1, keepdims=True), 1)
    classes = m["classes"]
    fig, ax = plt.subplots(figsize=(7.5, 6.5), dpi=90)
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(classes)), classes, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(classes)), classes, fontsize=8)
    for i in range(len(classes)):
        for j in range(len(classes)):
            if cm[i, j]:
                ax.text(j, i, int(cm[i, j]), ha="center", va="center", fontsize=7, color="white" if norm[i, j] > 0.5 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"{m['model']} ({m['protocol']}): accuracy {m['accuracy']:.3f}, macro-F1 {m['macro_f1']:.3f}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_curves(history: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.5), dpi=90)
    epochs = np.arange(1, len(history.get("loss", [])) + 1)
    a.plot(epochs, history.get("loss", []), label="train (augmented, weighted)")
    a.plot(epochs, history.get("val_loss", []), label="validation")
    a.set_title("loss")
    b.plot(epochs, history.get("accuracy", []), label="train (augmented, weighted)")
    b.plot(epochs, history.get("val_accuracy", []), label="validation")
    b.plot(epochs, history.get("val_balanced_accuracy", []), label="validation, balanced")
    b.set_title("accuracy")
    for ax in (a, b):
        ax.set_xlabel("epoch")
        if history.get("best_epoch"):
            ax.axvline(history["best_epoch"], color="grey", ls=":", lw=1)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
