"""The classifier's route modules: ``health`` (open), ``models`` and ``classify`` (behind the optional API key)."""
