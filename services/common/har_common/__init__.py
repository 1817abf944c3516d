"""Shared contracts of the HAR services: layouts, converters, schemas, transforms, datasets."""

__version__ = "0.1.0"
