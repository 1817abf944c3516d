"""``python -m har_batch SOURCE --out DEST`` (what ``har batch`` runs in the batch environment)."""

from .cli import main

raise SystemExit(main())
