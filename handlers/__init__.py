"""Conversations and use-cases, written once for every platform."""
