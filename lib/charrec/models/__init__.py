"""The study's models: one module per model family in this folder, each builder registered by `@model`.

A model is one place: its builder (a function returning a `keras.Model` that takes uint8 28x28 images),
its registry name (the function's name, used in params and run specs), its display name in the reports,
and its relative training cost per image for the scheduler all sit in the builder's module:

    @model(display_name="improved CNN", cost_per_image=28)
    def improved_cnn(num_classes: int, filters: list[int], ...) -> keras.Model: ...

Adding a model is adding a module here; nothing else in the library changes. The registry is read from
the modules' source (`catalogue`, with `ast`), so listing the models, their costs and their files imports
neither the modules nor TensorFlow (`python -m charrec.train NAME --dry-run` stays fast); `build` imports
the one module it needs. Each run's code fingerprint covers its model's module and what that imports
(`charrec.fingerprints`), so editing one model's module retrains only that model's runs.
"""

import ast
import importlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

FOLDER = Path(__file__).parent


@dataclass(frozen=True)
class ModelInfo:
    """One registered model: `name` (the builder's function name), `display_name` (reports),
    `cost_per_image` (relative training time per image and epoch; the dense baseline is 1),
    `cost_factors` (option name -> factor applied when that option is true, e.g. batch_norm: 1.4),
    `arguments` (the builder's keyword arguments, num_classes excluded) and `module`
    (e.g. 'charrec.models.improved_cnn')."""

    name: str
    display_name: str
    cost_per_image: float
    cost_factors: dict
    arguments: tuple[str, ...]
    module: str

    def cost(self, options: dict) -> float:
        """Relative cost per image and epoch with these builder options."""
        factor = 1.0
        for option, multiplier in self.cost_factors.items():
            if options.get(option):
                factor *= multiplier
        return self.cost_per_image * factor


def model(display_name: str, cost_per_image: float, cost_factors: dict | None = None):
    """Register a builder. The arguments must be literals: the registry reads them from the source.

    `cost_per_image`: the builder's training time per image and epoch relative to the dense baseline's
    (measured images/s on one thread, README's roofline table); it orders the runs (longest first) and
    sizes the worker pool. `cost_factors`: multipliers for boolean builder options (e.g. batch_norm).
    """

    def register(builder):
        builder.model_info = dict(
            display_name=display_name, cost_per_image=cost_per_image, cost_factors=cost_factors or {}
        )
        return builder

    return register


def _registered(path: Path) -> list[ModelInfo]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            name = getattr(
                getattr(call, "func", None), "id", getattr(getattr(call, "func", None), "attr", None)
            )
            if call is None or name != "model":
                continue
            keywords = {keyword.arg: ast.literal_eval(keyword.value) for keyword in call.keywords}
            arguments = [a.arg for a in node.args.args + node.args.kwonlyargs if a.arg != "num_classes"]
            found.append(
                ModelInfo(
                    name=node.name,
                    display_name=keywords["display_name"],
                    cost_per_image=float(keywords["cost_per_image"]),
                    cost_factors=keywords.get("cost_factors") or {},
                    arguments=tuple(arguments),
                    module=f"{__name__}.{path.stem}",
                )
            )
    return found


@cache
def catalogue() -> dict[str, ModelInfo]:
    """Every registered model by name, read from the modules' source (no import, no TensorFlow)."""
    models = {}
    for path in sorted(FOLDER.glob("*.py")):
        if path.name.startswith("_"):
            continue
        for info in _registered(path):
            if info.name in models:
                raise RuntimeError(
                    f"model '{info.name}' is registered twice ({models[info.name].module}, {info.module})"
                )
            models[info.name] = info
    return models


class UnknownModelError(ValueError):
    """A model name that no module in charrec/models registers."""


def info(name: str) -> ModelInfo:
    """The registered model `name`; raises UnknownModelError naming it and the known models."""
    models = catalogue()
    if name not in models:
        import difflib

        close = difflib.get_close_matches(name, models, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise UnknownModelError(
            f"unknown model '{name}'.{hint} Known: {', '.join(sorted(models))} "
            f"(each a function decorated with @model in lib/charrec/models/)"
        )
    return models[name]


def builder(name: str):
    """The builder function of model `name` (imports its module, and so Keras)."""
    return getattr(importlib.import_module(info(name).module), name)


def build(name: str, num_classes: int, **options):
    """`builder(name)(num_classes=num_classes, **options)`: a new, untrained `keras.Model`."""
    return builder(name)(num_classes=num_classes, **options)
