"""Skeleton-sequence action classifiers: data protocol, models, training, evaluation, inference, service.

The ML core (:mod:`.data`, :mod:`.models`, :mod:`.train`, :mod:`.evaluate`, :mod:`.inference`)
never imports FastAPI; :mod:`.main` is the thin HTTP layer on top of :mod:`.inference`.
"""

__version__ = "0.1.0"
