"""The course's measuring setup for generated images, built once and reused.

:class:`Judge` holds what every image lesson (05, 07 on) and benchmark measures with:

- the course's style classifier (:func:`~gancourse.metrics.classifier.train_classifier`,
  seed 0): its features give FD, precision and recall, its predictions the style shares;
- a **second opinion**: another classifier, differently shaped (wider, more features) and
  trained from another seed on other real images, whose predicted style shares check the
  first one's (a classifier judges generated images that may look like no real painting;
  two independent ones that agree are more believable than one);
- a reference set of real images and a second, disjoint real set (the real-vs-real row).

``Judge.build("art")`` trains both classifiers (about a minute on a laptop CPU in full
mode); :meth:`Judge.score` measures a set of images.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from torch import Tensor, nn

from gancourse.metrics.classifier import ClassifierResult, train_classifier
from gancourse.metrics.features import (
    ImageMetrics,
    evaluate,
    features,
    real_labelled_sets,
    style_histogram,
)

SECOND_OPINION = {"width": 24, "feat_dim": 96, "seed": 1}
"""How the second classifier differs from the course's (width 16, 64 features, seed 0)."""


@dataclass
class Scores:
    """What :meth:`Judge.score` returns: the course metrics and the second opinion's shares."""

    metrics: ImageMetrics
    second_shares: list[float]

    @property
    def shares(self) -> list[float]:
        return self.metrics.histogram.fractions

    def as_dict(self) -> dict:
        m = self.metrics
        return {
            "fd": m.fd,
            "precision": m.precision,
            "recall": m.recall,
            "shares": self.shares,
            "second_shares": self.second_shares,
        }


@dataclass
class Judge:
    """Both classifiers, the real reference set and the real-vs-real set (see module doc)."""

    classifier: ClassifierResult
    second: ClassifierResult
    real: Tensor
    real_other: Tensor
    names: tuple[str, ...]
    k: int = 3
    real_feats: Tensor | None = field(default=None, repr=False)  # computed on first use
    real_labels: Tensor | None = field(default=None, repr=False)  # the classes of ``real``
    real_other_labels: Tensor | None = field(default=None, repr=False)  # of ``real_other``

    @classmethod
    def build(
        cls,
        name: str = "art",
        *,
        size: int = 32,
        n: int = 2000,
        n_train: int | None = None,
        n_test: int | None = None,
        epochs: int = 3,
        k: int = 3,
    ) -> Judge:
        """Train the two classifiers on real images of ``name`` and load two real sets of n."""
        from gancourse.data.images import class_names

        kw = {"size": size, "n_train": n_train, "n_test": n_test, "epochs": epochs}
        first = train_classifier(name, **kw, seed=0)
        second = train_classifier(name, **kw, **SECOND_OPINION)
        sets = real_labelled_sets(name, size=size, n=n, seed=0)
        (real, labels), (real_other, other_labels) = sets
        return cls(
            first, second, real, real_other, class_names(name), k,
            real_labels=labels, real_other_labels=other_labels,
        )  # fmt: skip

    def save(self, path) -> None:
        """Write both classifiers (weights, shapes, accuracies) and the set sizes to ``path``;
        :meth:`load` rebuilds the judge without training (the real sets are regenerated)."""
        from gancourse.checkpoint import save_atomic

        nets = {}
        for key, res in (("first", self.classifier), ("second", self.second)):
            m = res.model
            nets[key] = {
                "state": m.state_dict(),
                "accuracy": res.accuracy,
                "n_train": res.n_train,
                "n_test": res.n_test,
                "shape": [m.n_classes, m.channels, m.width, m.feat_dim],
            }
        size = int(self.real.shape[-1])
        save_atomic(
            {
                "nets": nets,
                "names": list(self.names),
                "n": len(self.real),
                "size": size,
                "k": self.k,
            },
            path,
        )

    @classmethod
    def load(cls, path, name: str = "art") -> Judge:
        """The judge :meth:`save` wrote (for dataset ``name``)."""
        import torch

        from gancourse.metrics.classifier import StyleClassifier

        obj = torch.load(path, map_location="cpu", weights_only=True)
        results = []
        for key in ("first", "second"):
            net = obj["nets"][key]
            model = StyleClassifier(*net["shape"])
            model.load_state_dict(net["state"])
            results.append(
                ClassifierResult(model.eval(), net["accuracy"], net["n_train"], net["n_test"], 0.0)
            )
        (real, labels), (real_other, other_labels) = real_labelled_sets(
            name, size=obj["size"], n=obj["n"], seed=0
        )
        return cls(
            results[0], results[1], real, real_other, tuple(obj["names"]), obj["k"],
            real_labels=labels, real_other_labels=other_labels,
        )  # fmt: skip

    @property
    def model(self) -> nn.Module:
        """The course's classifier (the feature network of FD, precision and recall)."""
        return self.classifier.model

    def score(self, images: Tensor) -> Scores:
        """FD, precision, recall, style shares (course classifier) and the second opinion's
        style shares of ``images`` (N, C, S, S) in [-1, 1] (use N = ``len(self.real)``)."""
        if self.real_feats is None:
            self.real_feats = features(self.model, self.real)
        metrics = evaluate(
            self.model, images, self.real, k=self.k, names=self.names, real_feats=self.real_feats
        )
        second = style_histogram(self.second.model, images, self.names)
        return Scores(metrics, second.fractions)


__all__ = ["SECOND_OPINION", "Judge", "Scores"]
