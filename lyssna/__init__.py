"""Lyssna: a self-hosted social media workbench that listens before it talks."""

__version__ = "0.1.0"
